"""Checks that a deployed stage serves what the pipeline deployed (used by the e2e tests)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlparse

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


def invoke_async(runtime: Any, s3: Any, endpoint_name: str, rows: list[list[float]],
                 input_uri: str, *, timeout_seconds: float = 900,
                 poll_seconds: float = 10) -> list[dict]:
    """Upload ``rows`` as CSV under ``input_uri``, queue them on the asynchronous endpoint and
    wait for the result; raises :class:`SmokeTestError` when SageMaker reports a failure or
    nothing arrives in time."""
    location = urlparse(input_uri)
    key = f"{location.path.strip('/')}/{uuid.uuid4()}.csv"
    body = csv_body(rows)
    s3.put_object(Bucket=location.netloc, Key=key, Body=body.encode())
    response = runtime.invoke_endpoint_async(
        EndpointName=endpoint_name, ContentType="text/csv", Accept="application/json",
        InputLocation=f"s3://{location.netloc}/{key}")
    deadline = time.monotonic() + timeout_seconds
    while True:
        failure = _read_if_present(s3, response.get("FailureLocation"))
        if failure is not None:
            raise SmokeTestError(f"{endpoint_name} failed the request: {failure}")
        output = _read_if_present(s3, response["OutputLocation"])
        if output is not None:
            return list(json.loads(output)["predictions"])
        if time.monotonic() > deadline:
            raise SmokeTestError(f"{endpoint_name} gave no result in {timeout_seconds:.0f} s")
        time.sleep(poll_seconds)


def _read_if_present(s3: Any, uri: str | None) -> str | None:
    if not uri:
        return None
    location = urlparse(uri)
    try:
        body = s3.get_object(Bucket=location.netloc, Key=location.path.lstrip("/"))["Body"]
    except s3.exceptions.NoSuchKey:
        return None
    return str(body.read().decode())
