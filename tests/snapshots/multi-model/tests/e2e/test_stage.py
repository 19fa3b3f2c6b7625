"""End-to-end checks against a deployed stage (``make smoke-test STAGE=staging``).

They need a real deployment, so they are skipped unless E2E_STAGE names the stage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policy_pricing import config, deploy, preprocess, smoke

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


@pytest.fixture(scope="module")
def target_model() -> str:
    """The model version the build resolved, which this stage's deployment published."""
    package = json.loads((PARAMETERS.parent / deploy.PACKAGE_FILE).read_text())
    return deploy.target_model(package["ModelPackageArn"])


def test_endpoint_serves_the_published_target_model(expected, aws, target_model) -> None:
    prefix = f"s3://{config.stage_bucket(STAGE)}/{config.MULTI_MODEL_PREFIXES[STAGE]}"
    smoke.verify_endpoint(aws.client("sagemaker"), aws.client("s3"), expected["EndpointName"],
                          target_model, prefix)


def test_endpoint_answers_requests(expected, aws, target_model) -> None:
    runtime = aws.client("sagemaker-runtime")
    features, _ = preprocess.load_dataset(None)
    predictions = smoke.invoke(runtime, expected["EndpointName"], features[:5].tolist(),
                               target_model)
    assert len(predictions) == 5
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
