"""Checks that a deployed stage serves what the pipeline deployed (used by the e2e tests)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from . import config


class SmokeTestError(AssertionError):
    """Raised when the stage is not serving the expected model."""


def csv_body(rows: list[list[float]]) -> str:
    """``rows`` as the CSV the model is served: one row per line, full precision."""
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows)


def check_predictions(predictions: list[dict], count: int) -> None:
    """Raise :class:`SmokeTestError` unless there are ``count`` scores in [0, 1]."""
    if len(predictions) != count or not all(0.0 <= p["score"] <= 1.0 for p in predictions):
        raise SmokeTestError(f"expected {count} scores in [0, 1], got {predictions}")


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
    """Check the function's alias live runs a version serving
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
