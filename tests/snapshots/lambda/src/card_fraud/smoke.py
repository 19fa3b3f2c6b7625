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
