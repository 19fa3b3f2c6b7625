{%- set p = mlops(cookiecutter) -%}
"""The Lambda function serving the model: {{ "the HTTP API's POST /invocations route" if p.api_gateway else "a function URL" }} (or a direct invocation with the same
event shape) posts ``text/csv`` or ``application/json`` rows and gets JSON predictions, through
the handler functions the SageMaker container would call (``inference.py``).

The model is the approved package's artifact, named by ``MODEL_DATA_URL``; the first request an
execution environment serves downloads and loads it into ``/tmp`` (outside Lambda's 10-second
initialisation limit), and later requests reuse it.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import boto3

from . import inference
from .evaluate import fetch_model

# Lambda's synchronous request payload limit.
MAX_BODY_BYTES = 6 * 1024 * 1024
_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def load_model(model_data_url: str, s3: Any = None) -> Any:
    """The model in the ``model.tar.gz`` at ``model_data_url``, downloaded and loaded once per
    execution environment (and per URL)."""
    with _lock:
        if model_data_url not in _loaded:
            work = Path(tempfile.mkdtemp(prefix="model-", dir=os.environ.get("MODEL_WORK_DIR")))
            fetch_model(s3 or boto3.client("s3"), model_data_url, work / "model")
            _loaded[model_data_url] = inference.model_fn(str(work / "model"))
        return _loaded[model_data_url]


def _response(status: int, body: str, content_type: str = inference.JSON) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": body}


def _error(status: int, message: str) -> dict[str, Any]:
    return _response(status, json.dumps({"error": message}))


def handle(event: dict[str, Any], model: Any) -> dict[str, Any]:
    """Answer one {{ "HTTP API" if p.api_gateway else "function URL" }} request (payload format 2.0) with ``model``."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "POST")
    if method != "POST":
        return _error(405, f"method {method} not allowed; POST rows to score")
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if len(raw) > MAX_BODY_BYTES:
        return _error(413, f"body over {MAX_BODY_BYTES} bytes")
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type") or inference.CSV
    accept = headers.get("accept") or inference.JSON
    try:
        inference.check_accept(accept)  # before any work: could the answer be written?
        data = inference.input_fn(raw, content_type)
        answer, answer_type = inference.output_fn(inference.predict_fn(data, model), accept)
    except inference.UnsupportedContentTypeError as error:
        return _error(415, str(error))
    except ValueError as error:  # rows that do not parse or have the wrong width
        return _error(400, str(error))
    return _response(200, answer, answer_type)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's entry point (``{{ p.package_name }}.lambda_handler.handler``)."""
    return handle(event, load_model(os.environ["MODEL_DATA_URL"]))
