{%- set p = mlops(cookiecutter) -%}
"""The ECS traffic check against the project's own serving app, started in-process on
loopback in place of the load balancer: as ECS's lifecycle hook (SUCCEEDED or FAILED, never an
exception) and as the smoke test's direct invocation. The serving app's model comes from an
archive in moto's S3 through ``MODEL_DATA_URL``, as on ECS."""

from __future__ import annotations

import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto import mock_aws

from {{ p.package_name }} import evaluate, inference, serve, smoke, traffic_check

SERVICE = "arn:aws:ecs:{{ cookiecutter.aws_region }}:123456789012:service/{{ p.stages[0].endpoint_name }}/{{ p.stages[0].endpoint_name }}"


def _start(server: ThreadingHTTPServer):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server.server_address[1]


@pytest.fixture(scope="module")
def model_archive(tmp_path_factory, train_small):
    work = tmp_path_factory.mktemp("archive")
    train_small(work)
    archive = work / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(work / inference.MODEL_FILE, arcname=inference.MODEL_FILE)
    return archive


@pytest.fixture(scope="module")
def app(model_archive, tmp_path_factory):
    """The serving app on loopback, its model fetched from (moto's) S3 as the task does."""
    model_dir = tmp_path_factory.mktemp("model")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="artifacts")
        s3.upload_file(str(model_archive), "artifacts", "models/model.tar.gz")
        evaluate.fetch_model(s3, "s3://artifacts/models/model.tar.gz", model_dir)
    assert sorted(path.name for path in model_dir.iterdir()) == [inference.MODEL_FILE]
    running = serve.make_server(str(model_dir), host="127.0.0.1", port=0)
    yield _start(running)
    running.shutdown()
    running.server_close()


class _Failing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture(scope="module")
def failing():
    running = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    yield _start(running)
    running.shutdown()
    running.server_close()


@pytest.fixture
def listeners(monkeypatch, app, failing):
    """The test listener reaches the app; the production one a server answering 500."""
    monkeypatch.setenv("LOAD_BALANCER", "127.0.0.1")
    monkeypatch.setenv("TEST_PORT", str(app))
    monkeypatch.setenv("PRODUCTION_PORT", str(failing))


def _hook_event(listener: str, *, as_string: bool = False) -> dict:
    details = {"listener": listener}
    return {"serviceArn": SERVICE,
            "targetServiceRevisionArn": SERVICE.replace(":service/", ":service-revision/") + "/1",
            "testTrafficWeights": {}, "productionTrafficWeights": {},
            "hookDetails": json.dumps(details) if as_string else details}


def test_hook_succeeds_when_the_new_tasks_score_rows(listeners) -> None:
    assert traffic_check.handler(_hook_event("test"), None) == {"hookStatus": "SUCCEEDED"}
    assert traffic_check.handler(_hook_event("test", as_string=True), None) == {
        "hookStatus": "SUCCEEDED"}


def test_hook_fails_on_an_error_answer(listeners) -> None:
    assert traffic_check.handler(_hook_event("production"), None) == {"hookStatus": "FAILED"}


def test_hook_fails_when_the_listener_is_unreachable(listeners, monkeypatch) -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    port = closed.server_address[1]
    closed.server_close()
    monkeypatch.setenv("TEST_PORT", str(port))
    assert traffic_check.handler(_hook_event("test"), None) == {"hookStatus": "FAILED"}


def test_hook_fails_on_an_unknown_listener(listeners) -> None:
    assert traffic_check.handler(_hook_event("canary"), None) == {"hookStatus": "FAILED"}


def test_direct_invocation_returns_the_predictions(listeners, monkeypatch, app) -> None:
    monkeypatch.setenv("PRODUCTION_PORT", str(app))
    answer = traffic_check.handler({"listener": "production"}, None)
    assert answer["listener"] == "production"
    smoke.check_predictions(answer["predictions"], traffic_check.SAMPLE_ROWS)


def test_direct_invocation_raises_on_an_error_answer(listeners) -> None:
    with pytest.raises(smoke.SmokeTestError, match="answered 500"):
        traffic_check.handler({"listener": "production"}, None)


def test_listener_urls(monkeypatch) -> None:
    monkeypatch.setenv("LOAD_BALANCER", "internal-lb.example")
    monkeypatch.setenv("TEST_PORT", "{{ p.ecs_ports.test }}")
    monkeypatch.setenv("PRODUCTION_PORT", "{{ p.ecs_ports.production }}")
    assert traffic_check.listener_url("test") == "http://internal-lb.example:{{ p.ecs_ports.test }}/invocations"
    assert traffic_check.listener_url("production") == (
        "http://internal-lb.example:{{ p.ecs_ports.production }}/invocations")
    with pytest.raises(ValueError, match="not one of"):
        traffic_check.listener_url("blue")


def test_the_serving_app_fetches_its_model_before_it_binds(model_archive, tmp_path,
                                                           monkeypatch) -> None:
    """On ECS the task's MODEL_DATA_URL names the archive; the app unpacks it into the model
    directory first, then loads it and serves."""
    served = []

    class Server:
        def __init__(self, model_dir: str) -> None:
            served.append(sorted(path.name for path in tmp_path.iterdir()))
            self.model_dir = model_dir

        def serve_forever(self) -> None:
            served.append(self.model_dir)

    monkeypatch.setattr(serve, "make_server", lambda model_dir, port: Server(model_dir))
    monkeypatch.setenv("MODEL_DATA_URL", "s3://artifacts/models/model.tar.gz")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="artifacts")
        s3.upload_file(str(model_archive), "artifacts", "models/model.tar.gz")
        serve.main(["serve", "--model-dir", str(tmp_path)])
    assert served == [[inference.MODEL_FILE], str(tmp_path)]
