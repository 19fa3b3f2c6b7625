{%- set p = mlops(cookiecutter) -%}
"""Checks that a deployed stage serves what the pipeline deployed (used by the e2e tests)."""

from __future__ import annotations

import json
{%- if p.asynchronous or p.batch %}
import time
{%- endif %}
{%- if p.api_gateway %}
import urllib.error
import urllib.request
{%- endif %}
{%- if p.asynchronous or p.batch %}
import uuid
{%- endif %}
from typing import Any
{%- if p.asynchronous or p.batch or p.multi_model %}
from urllib.parse import urlparse
{%- endif %}
{%- if p.api_gateway %}

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
{%- endif %}
{%- if p.multi_model %}

from botocore.exceptions import ClientError
{%- endif %}
{%- if not p.ecs_target %}

from . import config
{%- endif %}


class SmokeTestError(AssertionError):
    """Raised when the stage is not serving the expected model."""


def csv_body(rows: list[list[float]]) -> str:
    """``rows`` as the CSV the model is served: one row per line, full precision."""
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows)


{% if p.own_service -%}
def check_predictions(predictions: list[dict], count: int) -> None:
    """Raise :class:`SmokeTestError` unless there are ``count`` scores in [0, 1]."""
    if len(predictions) != count or not all(0.0 <= p["score"] <= 1.0 for p in predictions):
        raise SmokeTestError(f"expected {count} scores in [0, 1], got {predictions}")


{% endif -%}
{% if p.ecs_target -%}
def verify_service(ecs: Any, cluster: str, service: str, expected_package_arn: str) -> str:
    """Check the stage's ECS service has finished deploying a task definition serving
    ``expected_package_arn``, with its tasks running; returns that task definition's ARN."""
    described = ecs.describe_services(cluster=cluster, services=[service])["services"]
    if not described or described[0].get("status") != "ACTIVE":
        raise SmokeTestError(f"{cluster}/{service} is not an active ECS service")
    deployments = described[0].get("deployments", [])
    if len(deployments) != 1:
        raise SmokeTestError(f"{service} is still deploying ({len(deployments)} deployments)")
    task_definition = str(deployments[0]["taskDefinition"])
    if deployments[0].get("rolloutState", "COMPLETED") != "COMPLETED":
        raise SmokeTestError(f"{service}'s deployment is {deployments[0]['rolloutState']}")
    containers = ecs.describe_task_definition(taskDefinition=task_definition)[
        "taskDefinition"]["containerDefinitions"]
    served = {variable["name"]: variable["value"] for container in containers
              for variable in container.get("environment", [])}.get("MODEL_PACKAGE_ARN")
    if served != expected_package_arn:
        raise SmokeTestError(f"{service} runs {task_definition} serving {served}, expected "
                             f"{expected_package_arn}")
    if described[0].get("runningCount", 0) < 1:
        raise SmokeTestError(f"{service} runs no task")
    return task_definition


def invoke_traffic_check(lambda_client: Any, function: str) -> list[dict]:
    """Score the sample rows through the stage's production listener by invoking its traffic
    check (the load balancer is internal); raises :class:`SmokeTestError` on its error."""
    response = lambda_client.invoke(FunctionName=function,
                                    Payload=json.dumps({"listener": "production"}))
    payload = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        raise SmokeTestError(f"{function} failed: {payload}")
    return list(payload["predictions"])
{%- elif p.lambda_target -%}
def rows_event(rows: list[list[float]]) -> dict:
    """A function URL request (payload format 2.0) posting ``rows`` as CSV."""
    return {"version": "2.0", "headers": {"content-type": "text/csv", "accept": "application/json"},
            "requestContext": {"http": {"method": "POST"}}, "body": csv_body(rows),
            "isBase64Encoded": False}


def invoke_function(lambda_client: Any, function: str, rows: list[list[float]]
                    ) -> tuple[list[dict], str]:
    """Score ``rows`` on ``function`` (a name, alias or version ARN); returns the predictions
    and the version that ran. Raises :class:`SmokeTestError` on an error answer."""
    response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(rows_event(rows)))
    payload = json.loads(response["Payload"].read())
    if response.get("FunctionError") or payload.get("statusCode") != 200:
        raise SmokeTestError(f"{function} answered {payload}")
    return list(json.loads(payload["body"])["predictions"]), str(response["ExecutedVersion"])


def verify_function(lambda_client: Any, function_name: str, expected_package_arn: str) -> str:
    """Check the function's alias {{ p.lambda_alias }} runs a version serving
    ``expected_package_arn``; returns that version."""
    alias = lambda_client.get_alias(FunctionName=function_name, Name=config.LAMBDA_ALIAS)
    if alias.get("RoutingConfig", {}).get("AdditionalVersionWeights"):
        raise SmokeTestError(f"{function_name}:{config.LAMBDA_ALIAS} is still shifting traffic")
    version = str(alias["FunctionVersion"])
    described = lambda_client.get_function_configuration(FunctionName=function_name,
                                                         Qualifier=version)
    served = described.get("Environment", {}).get("Variables", {}).get("MODEL_PACKAGE_ARN")
    if served != expected_package_arn:
        raise SmokeTestError(f"{function_name} version {version} serves {served}, expected "
                             f"{expected_package_arn}")
    if described.get("State", "Active") != "Active":
        raise SmokeTestError(f"{function_name} version {version} is {described['State']}")
    return version
{%- if p.api_gateway %}


def invoke_url(cloudformation: Any, stack_name: str) -> str:
    """The URL of the stage's HTTP API route (its model service stack's ``InvokeUrl``)."""
    [stack] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if "InvokeUrl" not in outputs:
        raise SmokeTestError(f"{stack_name} has no InvokeUrl output")
    return str(outputs["InvokeUrl"])


def invoke_api(session: Any, url: str, rows: list[list[float]], timeout: float = 35
               ) -> list[dict]:
    """POST ``rows`` as CSV to the HTTP API route at ``url``, signed with ``session``'s
    credentials (SigV4 for execute-api, which the route's IAM authorization checks); returns
    the predictions. Raises :class:`SmokeTestError` on an error answer."""
    if not url.startswith(("https://", "http://127.0.0.1:")):  # the API, or a local stand-in
        raise SmokeTestError(f"{url} is not an HTTPS URL")
    body = csv_body(rows).encode()
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": "text/csv", "Accept": "application/json"})
    credentials = session.get_credentials().get_frozen_credentials()
    SigV4Auth(credentials, "execute-api", config.region()).add_auth(request)
    signed = urllib.request.Request(url, data=body, method="POST",
                                    headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(signed, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise SmokeTestError(f"{url} answered {error.code}: {error.read()[:300]!r}") from error
    return list(answer["predictions"])
{%- endif %}
{%- else -%}
{% if not p.multi_model -%}
def _check_model_serves(sagemaker: Any, model_name: str, expected_package_arn: str,
                        where: str) -> None:
    model = sagemaker.describe_model(ModelName=model_name)
    containers = model.get("Containers") or [model.get("PrimaryContainer", {})]
    served = {c.get("ModelPackageName") for c in containers}
    if expected_package_arn not in served:
        raise SmokeTestError(
            f"{where} serves {sorted(p for p in served if p)}, expected {expected_package_arn}"
        )


{% endif -%}
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


{% if p.multi_model -%}
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
{%- else -%}
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
{%- endif %}
{%- endif %}
{%- if p.asynchronous %}


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
{%- endif %}
{%- if p.batch %}


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
{%- endif %}
