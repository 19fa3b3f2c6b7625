"""The Lambda function's handler, called with function URL events on a model archive in (moto's)
S3, and CodeDeploy's traffic hooks, whose calls to Lambda and CodeDeploy are checked against
botocore's models of those APIs (moto runs neither a container image nor CodeDeploy hooks)."""

from __future__ import annotations

import base64
import io
import json
import tarfile

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from card_fraud import inference, lambda_handler, preprocess, smoke, traffic_hooks

FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:card-fraud-staging"


@pytest.fixture(scope="module")
def model_archive(tmp_path_factory, train_small) -> bytes:
    """``model.tar.gz`` as the training job writes it, trained on the bundled dataset."""
    directory = tmp_path_factory.mktemp("model")
    train_small(directory)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(directory.iterdir()):
            archive.add(path, arcname=path.name)
    return buffer.getvalue()


@pytest.fixture
def model_url(model_archive, make_bucket, monkeypatch, tmp_path) -> str:
    with mock_aws():
        s3 = boto3.client("s3")
        bucket = make_bucket(s3, "card-models")
        key = "pipeline/models/job-1/output/model.tar.gz"
        s3.put_object(Bucket=bucket, Key=key, Body=model_archive)
        url = f"s3://{bucket}/{key}"
        monkeypatch.setenv("MODEL_DATA_URL", url)
        monkeypatch.setenv("MODEL_WORK_DIR", str(tmp_path))
        monkeypatch.setattr(lambda_handler, "_loaded", {})
        yield url


def _rows(count: int) -> list[list[float]]:
    features, _ = preprocess.load_dataset(None)
    return features[:count].tolist()


def test_function_url_request_is_scored_like_the_container_scores_it(model_url) -> None:
    rows = _rows(4)
    answer = lambda_handler.handler(smoke.rows_event(rows), None)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Type"] == "application/json"
    model = lambda_handler.load_model(model_url)
    expected = inference.predict_fn(inference.input_fn(smoke.rows_event(rows)["body"]), model)
    scores = [p["score"] for p in json.loads(answer["body"])["predictions"]]
    assert scores == pytest.approx(expected.tolist())


def test_base64_json_body_is_decoded(model_url) -> None:
    body = json.dumps({"instances": _rows(2)}).encode()
    event = {"headers": {"Content-Type": "application/json"}, "isBase64Encoded": True,
             "body": base64.b64encode(body).decode(), "requestContext": {"http": {"method": "POST"}}}
    answer = lambda_handler.handler(event, None)
    assert answer["statusCode"] == 200
    assert len(json.loads(answer["body"])["predictions"]) == 2


def test_the_model_is_downloaded_once_per_environment(model_url) -> None:
    lambda_handler.handler(smoke.rows_event(_rows(1)), None)
    bucket, key = model_url[len("s3://"):].split("/", 1)
    boto3.client("s3").delete_object(Bucket=bucket, Key=key)
    assert lambda_handler.handler(smoke.rows_event(_rows(1)), None)["statusCode"] == 200


@pytest.mark.parametrize(("change", "status"), [
    ({"requestContext": {"http": {"method": "GET"}}}, 405),
    ({"headers": {"content-type": "text/plain"}}, 415),
    ({"headers": {"content-type": "text/csv", "accept": "text/html"}}, 415),
    ({"body": "1,2,3"}, 400),
    ({"body": "x" * (lambda_handler.MAX_BODY_BYTES + 1)}, 413),
])
def test_bad_requests_get_client_errors(model_url, change, status) -> None:
    answer = lambda_handler.handler({**smoke.rows_event(_rows(1)), **change}, None)
    assert answer["statusCode"] == status
    assert "error" in json.loads(answer["body"])


def _invoke_answer(model_url: str, version: str, *, status: int = 200) -> dict:
    """What Lambda's Invoke returns when the handler answers the hook's rows."""
    answer = lambda_handler.handler(smoke.rows_event(traffic_hooks.sample_rows()), None)
    answer["statusCode"] = status if status != 200 else answer["statusCode"]
    payload = json.dumps(answer).encode()
    return {"StatusCode": 200, "ExecutedVersion": version,
            "Payload": StreamingBody(io.BytesIO(payload), len(payload))}


EVENT = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "hook-execution-1"}


@pytest.mark.parametrize(("hook", "executed", "status", "outcome"), [
    ("before", "7", 200, "Succeeded"),
    ("before", "6", 200, "Failed"),  # the old version answered
    ("before", "7", 500, "Failed"),  # the new version errs
    ("after", "7", 200, "Succeeded"),
    ("after", "6", 200, "Failed"),  # the alias still runs the old version
])
def test_traffic_hooks_report_what_they_find(model_url, monkeypatch, hook, executed, status,
                                             outcome) -> None:
    monkeypatch.setenv("CANDIDATE_VERSION", f"{FUNCTION}:7")
    monkeypatch.setenv("LIVE_ALIAS", f"{FUNCTION}:live")
    lambda_client = boto3.client("lambda")
    codedeploy = boto3.client("codedeploy")
    invoked = f"{FUNCTION}:7" if hook == "before" else f"{FUNCTION}:live"
    with Stubber(lambda_client) as lambdas, Stubber(codedeploy) as deployments:
        lambdas.add_response("invoke", _invoke_answer(model_url, executed, status=status),
                             {"FunctionName": invoked, "Payload": json.dumps(
                                 smoke.rows_event(traffic_hooks.sample_rows()))})
        deployments.add_response(
            "put_lifecycle_event_hook_execution_status", {"lifecycleEventHookExecutionId": "x"},
            {"deploymentId": EVENT["DeploymentId"],
             "lifecycleEventHookExecutionId": EVENT["LifecycleEventHookExecutionId"],
             "status": outcome})
        run = getattr(traffic_hooks, f"{hook}_allow_traffic")
        assert run(EVENT, None, lambda_client=lambda_client, codedeploy=codedeploy) == outcome
        lambdas.assert_no_pending_responses()
        deployments.assert_no_pending_responses()
