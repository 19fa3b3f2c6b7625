"""The container's serving app, started in-process on loopback and called the way SageMaker
calls it: GET /ping, then POST /invocations with CSV and JSON bodies."""

from __future__ import annotations

import http.client
import json
import threading

import numpy as np
import pytest

from churn_score import preprocess, serve


@pytest.fixture(scope="module")
def server(tmp_path_factory, train_small):
    model_dir = tmp_path_factory.mktemp("model")
    train_small(model_dir)
    running = serve.make_server(str(model_dir), host="127.0.0.1", port=0)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running.server_address[1]
    running.shutdown()
    running.server_close()


def _call(port: int, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, response.getheader("Content-Type"), json.loads(payload)


def _rows(count: int) -> np.ndarray:
    features, _ = preprocess.load_dataset(None)
    return features[:count]


def test_ping_answers_once_the_model_is_loaded(server) -> None:
    assert _call(server, "GET", "/ping") == (200, "application/json", {"status": "healthy"})


def test_csv_invocation(server) -> None:
    body = "\n".join(",".join(map(repr, row)) for row in _rows(3).tolist()).encode()
    status, content_type, answer = _call(server, "POST", "/invocations", body,
                                         {"Content-Type": "text/csv",
                                          "Accept": "application/json"})
    assert (status, content_type) == (200, "application/json")
    assert len(answer["predictions"]) == 3
    for prediction in answer["predictions"]:
        assert 0.0 <= prediction["score"] <= 1.0
        assert prediction["label"] == int(prediction["score"] >= 0.5)


def test_json_invocation_matches_csv(server) -> None:
    rows = _rows(4).tolist()
    as_json = _call(server, "POST", "/invocations", json.dumps({"instances": rows}).encode(),
                    {"Content-Type": "application/json"})[2]
    as_csv = _call(server, "POST", "/invocations",
                   "\n".join(",".join(map(repr, r)) for r in rows).encode(),
                   {"Content-Type": "text/csv"})[2]
    assert as_json == as_csv


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("/invocations", b"1,2", {"Content-Type": "text/html"}, 415),
        ("/invocations", b"1,2", {"Content-Type": "text/csv", "Accept": "text/html"}, 415),
        ("/invocations", b"not,numbers", {"Content-Type": "text/csv"}, 400),
        ("/invocations", b"1.0,2.0", {"Content-Type": "text/csv"}, 400),  # too few features
        ("/predict", b"1,2", {"Content-Type": "text/csv"}, 404),
    ],
)
def test_bad_requests_get_a_client_error(server, path, body, headers, status) -> None:
    answered, content_type, document = _call(server, "POST", path, body, headers)
    assert answered == status
    assert content_type == "application/json" and document["error"]


def test_an_oversized_body_is_refused_before_it_is_read(server) -> None:
    status, _, document = _call(server, "POST", "/invocations", b"1",
                                {"Content-Type": "text/csv",
                                 "Content-Length": str(serve.MAX_BODY_BYTES + 1)})
    assert status == 413 and "bytes" in document["error"]
