{%- set p = mlops(cookiecutter) -%}
"""The inference handler, called the way the SageMaker {{ p.framework.title }} container calls it."""

from __future__ import annotations

import json
{%- if p.serial_pipeline and p.model_image_evaluates %}
import os
import subprocess
import sys
{%- endif %}

import numpy as np
import pytest

from {{ p.package_name }} import {% if p.serial_pipeline %}evaluate, {% endif %}inference, preprocess


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, train_small):
    """What a training job leaves in its model directory, trained on the bundled dataset."""
    directory = tmp_path_factory.mktemp("model")
    train_small(directory)
    return directory


def _sample_rows(count: int) -> np.ndarray:
    features, _ = preprocess.load_dataset(None)
    return features[:count]


def test_csv_request_round_trip(model_dir) -> None:
    model = inference.model_fn(str(model_dir))
    body = "\n".join(",".join(str(v) for v in row) for row in _sample_rows(3))
    data = inference.input_fn(body.encode(), "text/csv")
    body_out, content_type = inference.output_fn(inference.predict_fn(data, model),
                                                 "application/json")
    predictions = json.loads(body_out)["predictions"]
    assert content_type == "application/json"
    assert len(predictions) == 3
    assert all(0.0 <= p["score"] <= 1.0 and p["label"] in (0, 1) for p in predictions)


def test_json_request_matches_csv(model_dir) -> None:
    model = inference.model_fn(str(model_dir))
    rows = _sample_rows(2)
    from_json = inference.input_fn(json.dumps({"instances": rows.tolist()}), "application/json")
    from_csv = inference.input_fn("\n".join(",".join(map(repr, r)) for r in rows.tolist()))
    np.testing.assert_allclose(inference.predict_fn(from_json, model),
                               inference.predict_fn(from_csv, model))


def test_single_csv_row_is_one_instance(model_dir) -> None:
    row = ",".join(str(v) for v in _sample_rows(1)[0])
    assert inference.input_fn(row, "text/csv; charset=utf-8").shape == (1, 30)


def test_rows_of_the_wrong_width_are_a_value_error(model_dir) -> None:
    """What the serving apps answer 400 for: the model's own check, as a ValueError."""
    model = inference.model_fn(str(model_dir))
    with pytest.raises(ValueError):
        inference.predict_fn(inference.input_fn("1.0,2.0", "text/csv"), model)


@pytest.mark.parametrize("content_type", ["application/x-npy", "text/plain"])
def test_unsupported_content_type_is_rejected(content_type) -> None:
    with pytest.raises(inference.UnsupportedContentTypeError):
        inference.input_fn("1,2", content_type)


def test_unsupported_accept_is_rejected() -> None:
    with pytest.raises(inference.UnsupportedContentTypeError):
        inference.output_fn(np.array([0.2]), "text/html")

{%- if p.serial_pipeline %}


def _serve(step: str, model_dir, body: bytes, content_type: str, monkeypatch) -> tuple[str, str]:
    """One container of the serial pipeline handling one request."""
    monkeypatch.setattr(inference, "STEP", step)
    model = inference.model_fn(str(model_dir))
    data = inference.input_fn(body, content_type)
    return inference.output_fn(inference.predict_fn(data, model), "application/json")


def test_the_pipeline_fills_in_missing_values_then_scores(model_dir, monkeypatch) -> None:
    """Raw rows, one with an empty field, go through the features container; the model
    container scores the CSV it answers, as the trained transform and model would."""
    rows = _sample_rows(3)
    lines = [",".join(repr(v) for v in row) for row in rows.tolist()]
    lines[1] = "," + lines[1].split(",", 1)[1]  # the first feature is missing
    features_body, content_type = _serve("features", model_dir, "\n".join(lines).encode(),
                                         "text/csv", monkeypatch)
    assert content_type == "text/csv"
    features = np.loadtxt(features_body.splitlines(), delimiter=",", ndmin=2)
    assert features.shape == rows.shape and not np.isnan(features).any()
    scored, _ = _serve("model", model_dir, features_body.encode(), content_type, monkeypatch)

    holed = rows.copy()
    holed[1, 0] = np.nan
    # As evaluation scores the pipeline: the feature transform, then the model.
    expected = evaluate.load_model(model_dir).predict_proba(holed)
    scores = [p["score"] for p in json.loads(scored)["predictions"]]
    assert scores == pytest.approx(expected[:, 1].tolist(), rel={{ "1e-6" if p.pytorch else "1e-9" }})


def test_the_features_step_answers_json_requests_too(model_dir, monkeypatch) -> None:
    rows = _sample_rows(2).tolist()
    rows[0][3] = None
    body, content_type = _serve("features", model_dir, json.dumps({"instances": rows}).encode(),
                                "application/json", monkeypatch)
    assert content_type == "text/csv" and len(body.splitlines()) == 2
{%- if p.model_image_evaluates %}


def test_the_features_step_runs_without_{{ p.framework.sdk_name }}(model_dir) -> None:
    """The features container runs on the scikit-learn image, which has no {{ p.framework.title }}: that step
    must load and answer with {{ p.framework.module }} unimportable."""
    row = ",".join(repr(v) for v in _sample_rows(1)[0].tolist())
    blocked = "{{ p.framework.module }}"
    script = (
        "import sys\n"
        "class Blocked:  # any import of the framework fails, as on the scikit-learn image\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] == {blocked!r}:\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Blocked())\n"
        "from {{ p.package_name }} import inference\n"
        f"model = inference.model_fn({str(model_dir)!r})\n"
        f"data = inference.input_fn({row!r}, 'text/csv')\n"
        "print(inference.output_fn(inference.predict_fn(data, model))[1])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "SERVING_STEP": "features"}, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "text/csv"
{%- endif %}
{%- endif %}
