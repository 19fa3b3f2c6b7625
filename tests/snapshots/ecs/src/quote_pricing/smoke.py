"""Checks that a deployed stage serves what the pipeline deployed (used by the e2e tests)."""

from __future__ import annotations

import json
from typing import Any


class SmokeTestError(AssertionError):
    """Raised when the stage is not serving the expected model."""


def csv_body(rows: list[list[float]]) -> str:
    """``rows`` as the CSV the model is served: one row per line, full precision."""
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows)


def check_predictions(predictions: list[dict], count: int) -> None:
    """Raise :class:`SmokeTestError` unless there are ``count`` scores in [0, 1]."""
    if len(predictions) != count or not all(0.0 <= p["score"] <= 1.0 for p in predictions):
        raise SmokeTestError(f"expected {count} scores in [0, 1], got {predictions}")


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
