{%- set p = mlops(cookiecutter) -%}
"""The serving app of the project's own container: SageMaker's hosting contract on port 8080.
{%- if p.ecs_target %}

On ECS the model is not mounted by SageMaker: the task definition names the approved package's
artifact in ``MODEL_DATA_URL``, which the app downloads and unpacks into the model directory
(a task volume) before it binds the port, so the load balancer's health check passes only once
the model is loaded.
{%- endif %}

``GET /ping`` answers 200 once the model is loaded; ``POST /invocations`` runs the request
through the same handler functions the framework container would call (``inference.py``):
``text/csv`` or ``application/json`` in, JSON out. Standard library HTTP, one thread per
request, so the image needs nothing beyond the project's own dependencies.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
{%- if p.ecs_target %}
from pathlib import Path
{%- endif %}
from typing import Any

{%- if p.ecs_target %}

import boto3
{%- endif %}

from . import inference
{%- if p.ecs_target %}
from .evaluate import fetch_model
{%- endif %}

MODEL_DIR = "/opt/ml/model"
PORT = 8080
# SageMaker's real-time payload limit.
MAX_BODY_BYTES = 6 * 1024 * 1024
LOG = logging.getLogger(__name__)


def handler_for(model: Any) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving ``model``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "model-server"

        def do_GET(self) -> None:
            if self.path != "/ping":
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})
                return
            self._reply(HTTPStatus.OK, {"status": "healthy"})

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            {"error": f"body over {MAX_BODY_BYTES} bytes"})
                return
            body = self.rfile.read(length)
            content_type = self.headers.get("Content-Type") or inference.CSV
            accept = self.headers.get("Accept") or inference.JSON
            try:
                inference.check_accept(accept)  # before any work: could the answer be written?
                data = inference.input_fn(body, content_type)
                answer, answer_type = inference.output_fn(inference.predict_fn(data, model),
                                                          accept)
            except inference.UnsupportedContentTypeError as error:
                self._reply(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": str(error)})
                return
            except ValueError as error:  # rows that do not parse or have the wrong width
                self._reply(HTTPStatus.BAD_REQUEST, {"error": str(error)})
                return
            self._send(HTTPStatus.OK, answer.encode(), answer_type)

        def _reply(self, status: HTTPStatus, document: dict[str, str]) -> None:
            self._send(status, json.dumps(document).encode(), inference.JSON)

        def _send(self, status: HTTPStatus, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            LOG.info("%s " + format, self.address_string(), *args)

    return Handler


def make_server(model_dir: str, host: str = "0.0.0.0", port: int = PORT) -> ThreadingHTTPServer:
    """Load the model and bind the server (port 0: any free port)."""
    return ThreadingHTTPServer((host, port), handler_for(inference.model_fn(model_dir)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # SageMaker starts the container with the argument "serve".
    parser.add_argument("command", nargs="?", default="serve", choices=["serve"])
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", MODEL_DIR))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SAGEMAKER_BIND_TO_PORT",
                                                                       PORT)))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
{%- if p.ecs_target %}
    model_data_url = os.environ.get("MODEL_DATA_URL")
    if model_data_url:
        LOG.info("fetching %s", model_data_url)
        fetch_model(boto3.client("s3"), model_data_url, Path(args.model_dir))
{%- endif %}
    server = make_server(args.model_dir, port=args.port)
    LOG.info("serving %s on port %d", args.model_dir, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
