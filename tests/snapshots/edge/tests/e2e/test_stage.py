"""End-to-end checks against a deployed stage (``make smoke-test STAGE=staging``).

They need a real deployment, so they are skipped unless E2E_STAGE names the stage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from line_sensor_faults import config, preprocess, smoke

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


def test_endpoint_serves_the_deployed_package(expected, aws) -> None:
    sagemaker = aws.client("sagemaker")
    smoke.verify_endpoint(sagemaker, expected["EndpointName"], expected["ModelPackageArn"])


def test_endpoint_answers_requests(expected, aws) -> None:
    runtime = aws.client("sagemaker-runtime")
    features, _ = preprocess.load_dataset(None)
    predictions = smoke.invoke(runtime, expected["EndpointName"], features[:5].tolist())
    assert len(predictions) == 5
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
