"""Checks that a deployed stage serves what the pipeline deployed (used by the e2e tests)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from . import config


class SmokeTestError(AssertionError):
    """Raised when the stage is not serving the expected model."""


def csv_body(rows: list[list[float]]) -> str:
    """``rows`` as the CSV the model is served: one row per line, full precision."""
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows)


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


def verify_endpoint(sagemaker: Any, s3: Any, endpoint_name: str, target_model: str,
                    expected_prefix: str) -> dict:
    """Check the endpoint is InService, serves the multi-model prefix ``expected_prefix``
    (``s3://bucket/prefix/``) and that ``target_model`` is published there.

    Returns the live endpoint config name and model name.
    """
    live = live_model(sagemaker, endpoint_name)
    container = sagemaker.describe_model(ModelName=live["ModelName"]).get("PrimaryContainer", {})
    served = (container.get("Mode"), container.get("ModelDataUrl"))
    if served != ("MultiModel", expected_prefix):
        raise SmokeTestError(f"{endpoint_name} serves {served}, expected "
                             f"('MultiModel', {expected_prefix!r})")
    location = urlparse(expected_prefix + target_model)
    try:
        s3.head_object(Bucket=location.netloc, Key=location.path.lstrip("/"))
    except ClientError as error:
        raise SmokeTestError(f"target model {target_model} is not published under "
                             f"{expected_prefix}: {error}") from error
    return live


def invoke(runtime: Any, endpoint_name: str, rows: list[list[float]],
           target_model: str) -> list[dict]:
    """Send ``rows`` as CSV to the named target model and return the predictions."""
    body = csv_body(rows)
    response = runtime.invoke_endpoint(EndpointName=endpoint_name, ContentType="text/csv",
                                       Accept="application/json", Body=body,
                                       TargetModel=target_model)
    return list(json.loads(response["Body"].read())["predictions"])
