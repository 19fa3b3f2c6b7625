{%- set p = mlops(cookiecutter) -%}
"""The Lambda function's handler, called with function URL events on a model archive in (moto's)
S3, and CodeDeploy's traffic hooks, whose calls to Lambda and CodeDeploy are checked against
botocore's models of those APIs (moto runs neither a container image nor CodeDeploy hooks).
{%- if p.api_gateway %}
The smoke test's signed request to the HTTP API is answered by a stand-in for the API on
127.0.0.1, which checks the signature's scope and passes the request on to the handler as the
event API Gateway sends.
{%- endif %}"""

from __future__ import annotations

import base64
import io
import json
import tarfile
{%- if p.api_gateway %}
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
{%- endif %}

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from {{ p.package_name }} import {% if p.api_gateway %}config, {% endif %}inference, lambda_handler, preprocess, smoke, traffic_hooks

FUNCTION = "arn:aws:lambda:{{ cookiecutter.aws_region }}:123456789012:function:{{ p.stages[0].endpoint_name }}"


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
    monkeypatch.setenv("LIVE_ALIAS", f"{FUNCTION}:{{ p.lambda_alias }}")
    lambda_client = boto3.client("lambda")
    codedeploy = boto3.client("codedeploy")
    invoked = f"{FUNCTION}:7" if hook == "before" else f"{FUNCTION}:{{ p.lambda_alias }}"
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
{%- if p.api_gateway %}


def _http_api(model) -> ThreadingHTTPServer:
    """The HTTP API's part, on 127.0.0.1: POST /invocations only, signed with SigV4 for
    execute-api in the project's Region (else 403, as the route's IAM authorization answers),
    passed to the handler as API Gateway's payload-2.0 event."""

    class Route(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            signature = self.headers.get("Authorization", "")
            scope = f"/{config.region()}/execute-api/aws4_request"
            if self.path != "/invocations":
                self._answer(404, json.dumps({"message": "Not Found"}))
                return
            if not signature.startswith("AWS4-HMAC-SHA256 Credential=") or scope not in signature:
                self._answer(403, json.dumps({"message": "Forbidden"}))
                return
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            event = {"version": "2.0", "routeKey": "POST /invocations", "rawPath": self.path,
                     "headers": {key.lower(): value for key, value in self.headers.items()},
                     "requestContext": {"http": {"method": "POST", "path": self.path}},
                     "body": body, "isBase64Encoded": False}
            answer = lambda_handler.handle(event, model)
            self._answer(answer["statusCode"], answer["body"])

        def _answer(self, status: int, body: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Route)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def http_api(model_url):
    server = _http_api(lambda_handler.load_model(model_url))
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def session():
    """Credentials the smoke test signs with."""
    return boto3.Session(aws_access_key_id="AKIDSMOKE", aws_secret_access_key="secret",
                         region_name=config.region())


def test_the_smoke_test_scores_rows_through_the_http_api_signed(http_api, session) -> None:
    rows = _rows(4)
    predictions = smoke.invoke_api(session, f"{http_api}/invocations", rows)
    direct = lambda_handler.handler(smoke.rows_event(rows), None)
    assert predictions == json.loads(direct["body"])["predictions"]
    smoke.check_predictions(predictions, 4)


def test_unsigned_requests_and_other_routes_are_refused(http_api, session) -> None:
    unsigned = urllib.request.Request(f"{http_api}/invocations", data=b"1,2", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=5)
    assert refused.value.code == 403
    with pytest.raises(smoke.SmokeTestError, match="answered 404"):
        smoke.invoke_api(session, f"{http_api}/predict", _rows(1))
    with pytest.raises(smoke.SmokeTestError, match="not an HTTPS URL"):
        smoke.invoke_api(session, "http://example.com/invocations", _rows(1))


def test_the_smoke_test_finds_the_route_in_the_stack_outputs() -> None:
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=config.region())
        url = "https://a1b2c3d4e5.execute-api.{{ cookiecutter.aws_region }}.amazonaws.com/invocations"
        cloudformation.create_stack(StackName="with-api", TemplateBody=json.dumps({
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"InvokeUrl": {"Value": url}}}))
        cloudformation.create_stack(StackName="without-api", TemplateBody=json.dumps({
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
        assert smoke.invoke_url(cloudformation, "with-api") == url
        with pytest.raises(smoke.SmokeTestError, match="no InvokeUrl output"):
            smoke.invoke_url(cloudformation, "without-api")
{%- endif %}
