"""End-to-end checks against a deployed stage (``make smoke-test STAGE=staging``).

They need a real deployment, so they are skipped unless E2E_STAGE names the stage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from quote_pricing import config, smoke

STAGE = os.environ.get("E2E_STAGE", "")
pytestmark = pytest.mark.skipif(not STAGE, reason="E2E_STAGE is not set: no deployed stage")
PARAMETERS = Path(__file__).resolve().parents[2] / "build" / "config" / f"{STAGE}.json"


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(PARAMETERS.read_text())["Parameters"]


@pytest.fixture(scope="module")
def aws():
    """A session in the stage's account (its deployer role when that is another account)."""
    return config.stage_session(STAGE)


def test_service_runs_the_deployed_package(expected, aws) -> None:
    smoke.verify_service(aws.client("ecs"), expected["ServiceName"], expected["ServiceName"],
                         expected["ModelPackageArn"])


def test_service_answers_requests_through_its_load_balancer(expected, aws) -> None:
    predictions = smoke.invoke_traffic_check(aws.client("lambda"), expected["TrafficCheckName"])
    smoke.check_predictions(predictions, 5)
