"""Checks that a deployed stage serves what the pipeline deployed (used by the e2e tests)."""

from __future__ import annotations

import json
from typing import Any

from . import config


class SmokeTestError(AssertionError):
    """Raised when the stage is not serving the expected model."""


def csv_body(rows: list[list[float]]) -> str:
    """``rows`` as the CSV the model is served: one row per line, full precision."""
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows)


def _check_model_serves(sagemaker: Any, model_name: str, expected_package_arn: str,
                        where: str) -> None:
    model = sagemaker.describe_model(ModelName=model_name)
    containers = model.get("Containers") or [model.get("PrimaryContainer", {})]
    served = {c.get("ModelPackageName") for c in containers}
    if expected_package_arn not in served:
        raise SmokeTestError(
            f"{where} serves {sorted(p for p in served if p)}, expected {expected_package_arn}"
        )


def live_model(sagemaker: Any, endpoint_name: str) -> dict:
    """The endpoint's live config and the model of its variant; raises
    :class:`SmokeTestError` unless the endpoint is InService with that variant."""
    endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    if endpoint["EndpointStatus"] != "InService":
        raise SmokeTestError(f"{endpoint_name} is {endpoint['EndpointStatus']}, not InService")
    config_name = endpoint["EndpointConfigName"]
    endpoint_config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    variants = {v["VariantName"]: v for v in endpoint_config["ProductionVariants"]}
    if config.VARIANT_NAME not in variants:
        raise SmokeTestError(f"{config_name} has no variant {config.VARIANT_NAME!r}")
    return {"EndpointConfigName": config_name,
            "ModelName": variants[config.VARIANT_NAME]["ModelName"]}


def verify_endpoint(sagemaker: Any, endpoint_name: str, expected_package_arn: str) -> dict:
    """Check the endpoint is InService and its live config serves ``expected_package_arn``.

    Returns the live endpoint config name and model name.
    """
    live = live_model(sagemaker, endpoint_name)
    _check_model_serves(sagemaker, live["ModelName"], expected_package_arn, endpoint_name)
    return live


def invoke(runtime: Any, endpoint_name: str, rows: list[list[float]]) -> list[dict]:
    """Send ``rows`` as CSV and return the predictions."""
    body = csv_body(rows)
    response = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="text/csv",
                                       Accept="application/json", Body=body)
    return list(json.loads(response["Body"].read())["predictions"])
