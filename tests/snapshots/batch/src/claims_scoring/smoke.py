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


def verify_batch_pipeline(sagemaker: Any, pipeline_name: str, expected_package_arn: str) -> dict:
    """Check the stage's batch pipeline scores with a model made from ``expected_package_arn``
    (its ModelName parameter's default). Returns that model's name."""
    definition = json.loads(
        sagemaker.describe_pipeline(PipelineName=pipeline_name)["PipelineDefinition"])
    defaults = {p["Name"]: p.get("DefaultValue") for p in definition.get("Parameters", [])}
    model_name = defaults.get("ModelName")
    if not model_name:
        raise SmokeTestError(f"{pipeline_name} has no ModelName parameter with a default")
    _check_model_serves(sagemaker, model_name, expected_package_arn, pipeline_name)
    return {"ModelName": model_name}


def score_batch(sagemaker: Any, s3: Any, pipeline_name: str, rows: list[list[float]],
                smoke_uri: str, output_uri: str, *, run_id: str | None = None,
                timeout_seconds: float = 3600, poll_seconds: float = 30) -> list[dict]:
    """Upload ``rows`` as CSV under ``smoke_uri``, run the batch pipeline on that object with
    its results under ``output_uri``/smoke-<run id>/, wait for the run and return the
    predictions; raises :class:`SmokeTestError` when the run fails, takes too long or writes
    nothing."""
    run_id = run_id or uuid.uuid4().hex  # 32 characters: a valid ClientRequestToken
    location = urlparse(smoke_uri)
    key = f"{location.path.strip('/')}/{run_id}.csv"
    body = csv_body(rows)
    s3.put_object(Bucket=location.netloc, Key=key, Body=body.encode())
    results = f"{output_uri.rstrip('/')}/smoke-{run_id}/"
    execution = sagemaker.start_pipeline_execution(
        PipelineName=pipeline_name, ClientRequestToken=run_id,
        PipelineParameters=[
            {"Name": "InputUri", "Value": f"s3://{location.netloc}/{key}"},
            {"Name": "OutputUri", "Value": results},
            {"Name": "TriggeredBy", "Value": "smoke-test"},
        ])["PipelineExecutionArn"]
    deadline = time.monotonic() + timeout_seconds
    while True:
        described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=execution)
        status = described["PipelineExecutionStatus"]
        if status == "Succeeded":
            break
        if status in ("Failed", "Stopped"):
            raise SmokeTestError(f"{execution} {status.lower()}: "
                                 f"{described.get('FailureReason') or 'no reason given'}")
        if time.monotonic() > deadline:
            raise SmokeTestError(f"{execution} did not finish in {timeout_seconds:.0f} s")
        time.sleep(poll_seconds)
    predictions = read_batch_output(s3, results)
    if not predictions:
        raise SmokeTestError(f"{execution} succeeded but wrote no predictions under {results}")
    return predictions


def read_batch_output(s3: Any, output_uri: str) -> list[dict]:
    """The predictions in every ``.out`` file under ``output_uri``: batch transform writes one
    JSON response per line (one per mini-batch of rows)."""
    location = urlparse(output_uri)
    predictions: list[dict] = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=location.netloc, Prefix=location.path.lstrip("/"))
    for page in pages:
        for item in page.get("Contents", []):
            if not item["Key"].endswith(".out"):
                continue
            body = s3.get_object(Bucket=location.netloc, Key=item["Key"])["Body"].read()
            for line in body.decode().splitlines():
                if line.strip():
                    predictions.extend(json.loads(line)["predictions"])
    return predictions
