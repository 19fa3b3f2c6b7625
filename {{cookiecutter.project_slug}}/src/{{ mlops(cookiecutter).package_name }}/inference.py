{%- set p = mlops(cookiecutter) -%}
"""Inference handler for the SageMaker {{ p.framework.title }} serving container{% if p.byoc %} (and the project's
own serving image, whose app calls it the same way){% endif %}.

Accepts ``text/csv`` (one row of features per line) or ``application/json``
(``{"instances": [[...], ...]}``) and answers JSON: the positive-class probability and the
predicted label for each row.
{%- if p.serial_pipeline %}

In the serial inference pipeline this module serves both containers, told apart by
``SERVING_STEP``: the first (``features``, on the scikit-learn image) turns each raw row into
the model's features, missing values included, and answers CSV; the second (``model``) scores
those rows as above.
{%- endif %}
"""

from __future__ import annotations

import io
import json
{%- if p.serial_pipeline %}
import os
{%- endif %}
from pathlib import Path

{% if p.joblib -%}
import joblib
{% endif -%}
import numpy as np
{%- if p.pytorch and not p.serial_pipeline %}
import torch
{%- endif %}
{%- if p.xgboost and not p.serial_pipeline %}
from xgboost import XGBClassifier
{%- endif %}

MODEL_FILE = "{{ p.framework.model_file }}"
{%- if p.serial_pipeline %}
FEATURES_FILE = "features.joblib"
# Which container of the serial pipeline this is: "features" or "model".
STEP = os.environ.get("SERVING_STEP", "model")
{%- endif %}
CSV = "text/csv"
JSON = "application/json"


class UnsupportedContentTypeError(ValueError):
    """Raised for a request or accept type the handler does not speak."""


def model_fn(model_dir: str):
{%- if p.serial_pipeline %}
    if STEP == "features":
        return joblib.load(Path(model_dir) / FEATURES_FILE)
{%- endif %}
{%- if p.xgboost %}
{%- if p.serial_pipeline %}
    # Imported here: the features container runs on the scikit-learn image, without XGBoost.
    from xgboost import XGBClassifier
{% endif %}
    model = XGBClassifier()
    model.load_model(Path(model_dir) / MODEL_FILE)
    return model
{%- elif p.pytorch %}
{%- if p.serial_pipeline %}
    # Imported here: the features container runs on the scikit-learn image, without PyTorch.
    import torch
{% endif %}
    # A torch.export program: the network with its weights, loaded without the training code.
    return torch.export.load(Path(model_dir) / MODEL_FILE).module()
{%- else %}
    return joblib.load(Path(model_dir) / MODEL_FILE)
{%- endif %}


def input_fn(request_body: str | bytes, content_type: str = CSV) -> np.ndarray:
    if isinstance(request_body, bytes):
        request_body = request_body.decode("utf-8")
    media_type = content_type.split(";")[0].strip()
    if media_type == CSV:
{%- if p.serial_pipeline %}
        # An empty field is a missing value (NaN), which the features step fills in.
        return np.genfromtxt(io.StringIO(request_body), delimiter=",", ndmin=2)
{%- else %}
        return np.loadtxt(io.StringIO(request_body), delimiter=",", ndmin=2)
{%- endif %}
    if media_type == JSON:
        instances = json.loads(request_body)["instances"]
        return np.asarray(instances, dtype=float).reshape(len(instances), -1)
    raise UnsupportedContentTypeError(f"unsupported content type {content_type!r}")


def predict_fn(data: np.ndarray, model) -> np.ndarray:
{%- if p.serial_pipeline %}
    if STEP == "features":
        return model.transform(data)
{%- endif %}
{%- if p.pytorch %}
{%- if p.serial_pipeline %}
    import torch
{% endif %}
    # The program checks the row width with an assertion; a request of the wrong width is the
    # caller's error, a ValueError as the other frameworks raise it.
    expected = model.mean.numel()
    if data.shape[1] != expected:
        raise ValueError(f"each row needs {expected} features, got {data.shape[1]}")
    with torch.no_grad():
        return model(torch.as_tensor(data, dtype=torch.float32)).double().numpy()
{%- else %}
    return model.predict_proba(data)[:, 1]
{%- endif %}


def check_accept(accept: str) -> None:
    """Raise :class:`UnsupportedContentTypeError` unless the answer can be written as JSON."""
    if accept.split(";")[0].strip() not in (JSON, "*/*"):
        raise UnsupportedContentTypeError(f"unsupported accept type {accept!r}")


def output_fn(prediction: np.ndarray, accept: str = JSON) -> tuple[str, str]:
{%- if p.serial_pipeline %}
    if STEP == "features":  # for the model container, whatever the caller accepts
        out = io.StringIO()
        np.savetxt(out, prediction, delimiter=",", fmt="%.17g")
        return out.getvalue(), CSV
{%- endif %}
    check_accept(accept)
    body = {"predictions": [{"score": float(score), "label": int(score >= 0.5)}
                            for score in prediction]}
    return json.dumps(body), JSON
