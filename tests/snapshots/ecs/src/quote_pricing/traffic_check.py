"""The traffic check of a stage's ECS service, run from the serving image as a Lambda function
in the project's subnets (the load balancer is internal).

ECS invokes it as a lifecycle hook of each deployment: after the test traffic shift it scores a
few rows through the test listener, which reaches the new tasks only, and after the production
traffic shift through the production listener. It answers ``hookStatus`` SUCCEEDED or FAILED;
ECS rolls the deployment back on FAILED (as it does when a rollback alarm fires). The smoke test
invokes it directly (``{"listener": "production"}``) and gets the predictions back.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from typing import Any

from . import preprocess, smoke

LOG = logging.getLogger(__name__)
# Rows of the bundled dataset each check scores.
SAMPLE_ROWS = 5
# The environment variable naming each listener's port.
LISTENER_PORTS = {"production": "PRODUCTION_PORT", "test": "TEST_PORT"}


def sample_rows(count: int = SAMPLE_ROWS) -> list[list[float]]:
    features, _ = preprocess.load_dataset(None)
    return features[:count].tolist()


def listener_url(listener: str) -> str:
    """The scoring URL of the stage's load balancer through ``listener`` (test or
    production)."""
    if listener not in LISTENER_PORTS:
        raise ValueError(f"listener {listener!r} is not one of {sorted(LISTENER_PORTS)}")
    port = os.environ[LISTENER_PORTS[listener]]
    return f"http://{os.environ['LOAD_BALANCER']}:{port}/invocations"


def score(url: str, rows: list[list[float]], timeout: float = 30) -> list[dict]:
    """POST ``rows`` as CSV to ``url`` and return the predictions.

    :raises smoke.SmokeTestError: on an error status, an unreachable URL or another answer.
    """
    request = urllib.request.Request(
        url, data=smoke.csv_body(rows).encode(), method="POST",
        headers={"Content-Type": "text/csv", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return list(json.loads(response.read())["predictions"])
    except urllib.error.HTTPError as error:
        raise smoke.SmokeTestError(
            f"{url} answered {error.code}: {error.read()[:300]!r}") from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise smoke.SmokeTestError(f"{url} is unreachable: {error}") from error
    except (KeyError, ValueError) as error:
        raise smoke.SmokeTestError(f"{url} answered no predictions: {error}") from error


def check(listener: str) -> list[dict]:
    """Score the sample rows through ``listener`` and check the answer; returns it."""
    rows = sample_rows()
    predictions = score(listener_url(listener), rows)
    smoke.check_predictions(predictions, len(rows))
    return predictions


def _hook_details(event: dict[str, Any]) -> dict[str, Any]:
    details = event.get("hookDetails") or {}
    return json.loads(details) if isinstance(details, str) else dict(details)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's entry point (``traffic_check.handler``): an ECS lifecycle hook (its
    payload names the service; the hook's details name the listener), or the smoke test's
    direct invocation."""
    if "serviceArn" not in event:
        listener = str(event.get("listener", "production"))
        return {"listener": listener, "predictions": check(listener)}
    listener = str(_hook_details(event).get("listener", "production"))
    try:
        check(listener)
    except Exception:  # any failure must fail the hook (and roll back), not hang it
        LOG.exception("traffic check through the %s listener of %s failed", listener,
                      event["serviceArn"])
        return {"hookStatus": "FAILED"}
    return {"hookStatus": "SUCCEEDED"}
