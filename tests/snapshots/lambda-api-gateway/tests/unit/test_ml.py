"""Data preparation, training and evaluation run end to end on the bundled dataset."""

from __future__ import annotations

import json
import tarfile

import numpy as np

from claims_triage import evaluate, preprocess, train
from claims_triage.config import MIN_ROC_AUC


def test_split_is_stratified_and_complete() -> None:
    features, labels = preprocess.load_dataset(None)
    splits = preprocess.split_dataset(features, labels)
    assert sum(len(s) for s in splits.values()) == len(labels)
    for data in splits.values():
        assert data.shape[1] == features.shape[1] + 1
        assert 0.5 < data[:, 0].mean() < 0.75  # the dataset is about 63% positive


def test_reads_csv_input_when_present(tmp_path) -> None:
    """New data arrives as CSV files under the data prefix, at any depth (label first)."""
    rows = np.array([[1, 0.5, 2.0], [0, 0.1, 1.0]])
    np.savetxt(tmp_path / "part.csv", rows, delimiter=",")
    (tmp_path / "2026" / "11").mkdir(parents=True)
    np.savetxt(tmp_path / "2026" / "11" / "more.csv", rows[:1], delimiter=",")
    (tmp_path / "notes.txt").write_text("not data")
    features, labels = preprocess.load_dataset(tmp_path)
    assert sorted(labels.tolist()) == [0, 1, 1]
    assert features.shape == (3, 2)


def test_train_then_evaluate_passes_the_pipeline_gate(tmp_path) -> None:
    paths = preprocess.main(["--input-dir", str(tmp_path / "none"),
                             "--output-dir", str(tmp_path / "data")])
    model_path = train.main(["--train", str(paths["train"].parent),
                             "--model-dir", str(tmp_path / "model"), "--n-estimators", "50"])
    # SageMaker packs the model directory into model.tar.gz, which evaluation unpacks.
    written_files = sorted(model_path.parent.iterdir())
    assert [f.name for f in written_files] == [train.MODEL_FILE]
    with tarfile.open(tmp_path / "model" / "model.tar.gz", "w:gz") as tar:
        for path in written_files:
            tar.add(path, arcname=path.name)
            path.unlink()
    report = evaluate.main(["--model-dir", str(tmp_path / "model"),
                            "--test-dir", str(paths["test"].parent),
                            "--output-dir", str(tmp_path / "evaluation")])
    written = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert written == report
    assert report["binary_classification_metrics"]["roc_auc"]["value"] >= MIN_ROC_AUC
    assert report["binary_classification_metrics"]["accuracy"]["value"] > 0.85


def _features_and_labels(tmp_path):
    paths = preprocess.main(["--input-dir", str(tmp_path / "none"),
                             "--output-dir", str(tmp_path / "data")])
    return paths["train"].parent


def _rounds(model) -> int:
    """How many boosting rounds the model holds."""
    return len(model[-1].estimators_)


def _tree_depths(model) -> set[int]:
    """The depth of every tree of the model."""
    return {tree[0].get_depth() for tree in model[-1].estimators_}


def test_an_interrupted_spot_training_resumes_from_its_checkpoint(tmp_path) -> None:
    """Checkpointed training stopped midway (as a spot interruption would) and run again ends
    with the same model as a checkpointed run that was never interrupted."""
    train_dir = _features_and_labels(tmp_path)
    checkpoints = tmp_path / "checkpoints"
    interrupted = train.train(train_dir, tmp_path / "never", n_estimators=60,
                              checkpoint_dir=checkpoints, stop_after=40)
    assert interrupted == checkpoints / train.CHECKPOINT_FILE
    assert not (tmp_path / "never").exists()
    assert _rounds(train.load(interrupted)) == 40
    resumed = train.load(train.train(train_dir, tmp_path / "resumed", n_estimators=60,
                                     checkpoint_dir=checkpoints))
    straight = train.load(train.train(train_dir, tmp_path / "straight", n_estimators=60,
                                      checkpoint_dir=tmp_path / "fresh"))
    features, _ = train.read_csv_dir(train_dir)
    assert _rounds(resumed) == _rounds(straight) == 60
    assert np.array_equal(resumed.predict_proba(features), straight.predict_proba(features))


def test_a_checkpoint_of_other_settings_is_not_resumed(tmp_path) -> None:
    train_dir = _features_and_labels(tmp_path)
    checkpoints = tmp_path / "checkpoints"
    train.train(train_dir, tmp_path / "a", n_estimators=40, max_depth=2, checkpoint_dir=checkpoints)
    model = train.load(train.train(train_dir, tmp_path / "b", n_estimators=40, max_depth=3,
                                   checkpoint_dir=checkpoints))
    assert _rounds(model) == 40
    assert max(_tree_depths(model)) == 3
