"""Inference handler for the SageMaker scikit-learn serving container (and the project's
own serving image, whose app calls it the same way).

Accepts ``text/csv`` (one row of features per line) or ``application/json``
(``{"instances": [[...], ...]}``) and answers JSON: the positive-class probability and the
predicted label for each row.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import joblib
import numpy as np

MODEL_FILE = "model.joblib"
CSV = "text/csv"
JSON = "application/json"


class UnsupportedContentTypeError(ValueError):
    """Raised for a request or accept type the handler does not speak."""


def model_fn(model_dir: str):
    return joblib.load(Path(model_dir) / MODEL_FILE)


def input_fn(request_body: str | bytes, content_type: str = CSV) -> np.ndarray:
    if isinstance(request_body, bytes):
        request_body = request_body.decode("utf-8")
    media_type = content_type.split(";")[0].strip()
    if media_type == CSV:
        return np.loadtxt(io.StringIO(request_body), delimiter=",", ndmin=2)
    if media_type == JSON:
        instances = json.loads(request_body)["instances"]
        return np.asarray(instances, dtype=float).reshape(len(instances), -1)
    raise UnsupportedContentTypeError(f"unsupported content type {content_type!r}")


def predict_fn(data: np.ndarray, model) -> np.ndarray:
    return model.predict_proba(data)[:, 1]


def check_accept(accept: str) -> None:
    """Raise :class:`UnsupportedContentTypeError` unless the answer can be written as JSON."""
    if accept.split(";")[0].strip() not in (JSON, "*/*"):
        raise UnsupportedContentTypeError(f"unsupported accept type {accept!r}")


def output_fn(prediction: np.ndarray, accept: str = JSON) -> tuple[str, str]:
    check_accept(accept)
    body = {"predictions": [{"score": float(score), "label": int(score >= 0.5)}
                            for score in prediction]}
    return json.dumps(body), JSON
