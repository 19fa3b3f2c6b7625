{%- set p = mlops(cookiecutter) -%}
"""End-to-end checks against a deployed stage (``make smoke-test STAGE=staging``).

They need a real deployment, so they are skipped unless E2E_STAGE names the stage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from {{ p.package_name }} import config, {% if p.multi_model %}deploy, {% endif %}{% if not p.ecs_target %}preprocess, {% endif %}smoke

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
{%- if p.ecs_target %}


def test_service_runs_the_deployed_package(expected, aws) -> None:
    smoke.verify_service(aws.client("ecs"), expected["ServiceName"], expected["ServiceName"],
                         expected["ModelPackageArn"])


def test_service_answers_requests_through_its_load_balancer(expected, aws) -> None:
    predictions = smoke.invoke_traffic_check(aws.client("lambda"), expected["TrafficCheckName"])
    smoke.check_predictions(predictions, 5)
{%- elif p.lambda_target %}


def test_alias_runs_a_version_serving_the_deployed_package(expected, aws) -> None:
    smoke.verify_function(aws.client("lambda"), expected["FunctionName"],
                          expected["ModelPackageArn"])


def test_function_answers_requests(expected, aws) -> None:
    features, _ = preprocess.load_dataset(None)
    lambda_client = aws.client("lambda")
    function = f"{expected['FunctionName']}:{config.LAMBDA_ALIAS}"
    predictions, _ = smoke.invoke_function(lambda_client, function, features[:5].tolist())
    smoke.check_predictions(predictions, 5)
{%- if p.api_gateway %}


def test_the_http_api_answers_signed_requests(aws) -> None:
    features, _ = preprocess.load_dataset(None)
    url = smoke.invoke_url(aws.client("cloudformation"), config.STACKS[STAGE])
    smoke.check_predictions(smoke.invoke_api(aws, url, features[:5].tolist()), 5)
{%- endif %}
{%- elif p.batch %}


def test_batch_pipeline_scores_with_the_deployed_package(expected, aws) -> None:
    sagemaker = aws.client("sagemaker")
    smoke.verify_batch_pipeline(sagemaker, expected["BatchPipelineName"],
                                expected["ModelPackageArn"])


def test_batch_pipeline_scores_rows(expected, aws) -> None:
    features, _ = preprocess.load_dataset(None)
    predictions = smoke.score_batch(
        aws.client("sagemaker"), aws.client("s3"),
        expected["BatchPipelineName"], features[:5].tolist(),
        config.batch_uri(STAGE, "smoke"), config.batch_uri(STAGE, "output"))
    assert len(predictions) == 5
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
{%- else %}


{% if p.multi_model -%}
@pytest.fixture(scope="module")
def target_model() -> str:
    """The model version the build resolved, which this stage's deployment published."""
    package = json.loads((PARAMETERS.parent / deploy.PACKAGE_FILE).read_text())
    return deploy.target_model(package["ModelPackageArn"])


def test_endpoint_serves_the_published_target_model(expected, aws, target_model) -> None:
    prefix = f"s3://{config.stage_bucket(STAGE)}/{config.MULTI_MODEL_PREFIXES[STAGE]}"
    smoke.verify_endpoint(aws.client("sagemaker"), aws.client("s3"), expected["EndpointName"],
                          target_model, prefix)
{%- else -%}
def test_endpoint_serves_the_deployed_package(expected, aws) -> None:
    sagemaker = aws.client("sagemaker")
    smoke.verify_endpoint(sagemaker, expected["EndpointName"], expected["ModelPackageArn"])
{%- endif %}


def test_endpoint_answers_requests(expected, aws{% if p.multi_model %}, target_model{% endif %}) -> None:
    runtime = aws.client("sagemaker-runtime")
    features, _ = preprocess.load_dataset(None)
{%- if p.asynchronous %}
    s3 = aws.client("s3")
    predictions = smoke.invoke_async(
        runtime, s3, expected["EndpointName"], features[:5].tolist(),
        f"s3://{config.stage_bucket(STAGE)}/{config.ASYNC_PREFIX}/{expected['EndpointName']}/input")
{%- elif p.multi_model %}
    predictions = smoke.invoke(runtime, expected["EndpointName"], features[:5].tolist(),
                               target_model)
{%- else %}
    predictions = smoke.invoke(runtime, expected["EndpointName"], features[:5].tolist())
{%- endif %}
    assert len(predictions) == 5
    assert all(0.0 <= p["score"] <= 1.0 for p in predictions)
{%- endif %}
