"""End-to-end checks against a deployed stage (``make smoke-test STAGE=staging``).

They need a real deployment, so they are skipped unless E2E_STAGE names the stage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

from claims_scoring import config, preprocess, smoke

STAGE = os.environ.get("E2E_STAGE", "")
pytestmark = pytest.mark.skipif(not STAGE, reason="E2E_STAGE is not set: no deployed stage")
PARAMETERS = Path(__file__).resolve().parents[2] / "build" / "config" / f"{STAGE}.json"


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(PARAMETERS.read_text())["Parameters"]


def test_batch_pipeline_scores_with_the_deployed_package(expected) -> None:
    sagemaker = boto3.client("sagemaker", region_name=config.region())
    smoke.verify_batch_pipeline(sagemaker, expected["BatchPipelineName"],
                                expected["ModelPackageArn"])


def test_batch_pipeline_scores_rows(expected) -> None:
    features, _ = preprocess.load_dataset(None)
    predictions = smoke.score_batch(
        boto3.client("sagemaker", region_name=config.region()),
        boto3.client("s3", region_name=config.region()),
        expected["BatchPipelineName"], features[:5].tolist(),
        config.batch_uri(STAGE, "smoke"), config.batch_uri(STAGE, "output"))
    assert len(predictions) == 5
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
