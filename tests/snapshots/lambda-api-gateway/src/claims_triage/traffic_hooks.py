"""CodeDeploy's lifecycle hooks for a stage's Lambda alias, run from the serving image.

Before any traffic moves, ``before_allow_traffic`` scores a few rows on the new version (named
by ``CANDIDATE_VERSION``, the version ARN); after all of it has moved, ``after_allow_traffic``
scores them through the alias and checks the new version answered. Each reports Succeeded or
Failed to CodeDeploy, which rolls the alias back on Failed (as it does when an alarm fires).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import boto3

from . import preprocess, smoke

LOG = logging.getLogger(__name__)
# Rows of the bundled dataset each hook scores.
SAMPLE_ROWS = 5


def sample_rows(count: int = SAMPLE_ROWS) -> list[list[float]]:
    features, _ = preprocess.load_dataset(None)
    return features[:count].tolist()


def check(lambda_client: Any, function: str, expected_version: str) -> None:
    """Score the sample rows on ``function`` (a version or alias ARN) and check the answer and
    that ``expected_version`` produced it.

    :raises smoke.SmokeTestError: when it does not.
    """
    rows = sample_rows()
    predictions, executed = smoke.invoke_function(lambda_client, function, rows)
    if executed != expected_version:
        raise smoke.SmokeTestError(f"{function} ran version {executed}, expected "
                                   f"{expected_version}")
    smoke.check_predictions(predictions, len(rows))


def _report(event: dict[str, Any], checked: Any, codedeploy: Any) -> str:
    """Run ``checked``; report its outcome for the hook execution in ``event``."""
    try:
        checked()
    except Exception:  # any failure, or the check's own, must fail the hook, not hang it
        LOG.exception("lifecycle hook check failed")
        status = "Failed"
    else:
        status = "Succeeded"
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return status


def _candidate() -> tuple[str, str]:
    """The new version's ARN and number."""
    arn = os.environ["CANDIDATE_VERSION"]
    return arn, arn.rsplit(":", 1)[1]


def before_allow_traffic(event: dict[str, Any], context: Any, *, lambda_client: Any = None,
                         codedeploy: Any = None) -> str:
    """BeforeAllowTraffic: the new version answers before it takes any request."""
    arn, version = _candidate()
    lambda_client = lambda_client or boto3.client("lambda")
    return _report(event, lambda: check(lambda_client, arn, version),
                   codedeploy or boto3.client("codedeploy"))


def after_allow_traffic(event: dict[str, Any], context: Any, *, lambda_client: Any = None,
                        codedeploy: Any = None) -> str:
    """AfterAllowTraffic: the alias now runs the new version, and it answers."""
    _, version = _candidate()
    lambda_client = lambda_client or boto3.client("lambda")
    return _report(event, lambda: check(lambda_client, os.environ["LIVE_ALIAS"], version),
                   codedeploy or boto3.client("codedeploy"))
