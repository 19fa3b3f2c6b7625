"""The inference handler, called the way the SageMaker scikit-learn container calls it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from claims_triage import inference, preprocess


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
