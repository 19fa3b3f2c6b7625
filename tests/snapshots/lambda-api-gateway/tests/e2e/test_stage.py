"""End-to-end checks against a deployed stage (``make smoke-test STAGE=staging``).

They need a real deployment, so they are skipped unless E2E_STAGE names the stage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from claims_triage import config, preprocess, smoke

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


def test_alias_runs_a_version_serving_the_deployed_package(expected, aws) -> None:
    smoke.verify_function(aws.client("lambda"), expected["FunctionName"],
                          expected["ModelPackageArn"])


def test_function_answers_requests(expected, aws) -> None:
    features, _ = preprocess.load_dataset(None)
    lambda_client = aws.client("lambda")
    function = f"{expected['FunctionName']}:{config.LAMBDA_ALIAS}"
    predictions, _ = smoke.invoke_function(lambda_client, function, features[:5].tolist())
    smoke.check_predictions(predictions, 5)


def test_the_http_api_answers_signed_requests(aws) -> None:
    features, _ = preprocess.load_dataset(None)
    url = smoke.invoke_url(aws.client("cloudformation"), config.STACKS[STAGE])
    smoke.check_predictions(smoke.invoke_api(aws, url, features[:5].tolist()), 5)
