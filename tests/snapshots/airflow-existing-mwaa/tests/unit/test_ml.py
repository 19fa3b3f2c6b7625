"""Data preparation, training and evaluation run end to end on the bundled dataset."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile

import numpy as np
import pytest
import torch

from churn_score import evaluate, preprocess, train
from churn_score.config import MIN_ROC_AUC


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
                             "--model-dir", str(tmp_path / "model"), "--epochs", "100"])
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


def _epochs(path) -> int:
    """How many epochs a saved model or checkpoint of train() was trained for."""
    if path.name == train.CHECKPOINT_FILE:
        return int(torch.load(path, weights_only=True)["network"]["epochs"])
    return int(train.load(path).epochs)


def _scores(path, features: np.ndarray) -> np.ndarray:
    """The positive-class probabilities of a saved model, as evaluation computes them."""
    return evaluate.load_model(path.parent).predict_proba(features)[:, 1]


def test_an_interrupted_spot_training_resumes_from_its_checkpoint(tmp_path) -> None:
    """Checkpointed training stopped midway (as a spot interruption would) and run again ends
    with the same model as a checkpointed run that was never interrupted, and as a run without
    checkpoints (every epoch sees the whole split, so steps change nothing)."""
    train_dir = _features_and_labels(tmp_path)
    checkpoints = tmp_path / "checkpoints"
    interrupted = train.train(train_dir, tmp_path / "never", epochs=60,
                              checkpoint_dir=checkpoints, stop_after=40)
    assert interrupted == checkpoints / train.CHECKPOINT_FILE
    assert not (tmp_path / "never").exists()
    assert _epochs(interrupted) == 40
    resumed = train.train(train_dir, tmp_path / "resumed", epochs=60, checkpoint_dir=checkpoints)
    straight = train.train(train_dir, tmp_path / "straight", epochs=60,
                           checkpoint_dir=tmp_path / "fresh")
    uninterrupted = train.train(train_dir, tmp_path / "plain", epochs=60)
    features, _ = train.read_csv_dir(train_dir)
    assert _epochs(resumed) == _epochs(straight) == _epochs(uninterrupted) == 60
    assert np.array_equal(_scores(resumed, features), _scores(straight, features))
    assert np.array_equal(_scores(resumed, features), _scores(uninterrupted, features))
    # The last 20 epochs changed the model: the checkpoint was not simply copied.
    assert not np.array_equal(_scores(resumed, features),
                              _scores(train.train(train_dir, tmp_path / "forty", epochs=40),
                                      features))


def test_a_checkpoint_of_other_settings_is_not_resumed(tmp_path) -> None:
    train_dir = _features_and_labels(tmp_path)
    checkpoints = tmp_path / "checkpoints"
    train.train(train_dir, tmp_path / "a", epochs=40, hidden_units=4, checkpoint_dir=checkpoints)
    model = train.train(train_dir, tmp_path / "b", epochs=40, hidden_units=8,
                        checkpoint_dir=checkpoints)
    fresh = train.train(train_dir, tmp_path / "c", epochs=40, hidden_units=8)
    features, _ = train.read_csv_dir(train_dir)
    assert _epochs(model) == 40
    hidden = dict(train.load(model).named_parameters())["layers.0.weight"]
    assert hidden.shape == (8, features.shape[1])  # the hidden units asked for
    assert np.array_equal(_scores(model, features), _scores(fresh, features))


def test_the_saved_program_scores_any_number_of_rows_without_the_training_code(tmp_path) -> None:
    """The exported program loads with torch alone, in a process where the project's package
    cannot be imported (as in the serving image, which has no Network class), and scores one
    row or many as this process does."""
    train_dir = _features_and_labels(tmp_path)
    saved = train.train(train_dir, tmp_path / "model", epochs=20)
    rows = train.read_csv_dir(train_dir)[0][:3].tolist()
    script = (
        "import json, sys\n"
        f"sys.modules[{train.__name__.split('.')[0]!r}] = None  # any import of it fails\n"
        "import torch\n"
        f"module = torch.export.load({str(saved)!r}).module()\n"
        f"rows = torch.tensor({rows!r}, dtype=torch.float32)\n"
        "with torch.no_grad():\n"
        "    print(json.dumps([module(rows[:1]).tolist(), module(rows).tolist()]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    one, many = json.loads(result.stdout)
    assert len(one) == 1 and len(many) == 3
    assert one[0] == pytest.approx(many[0])
    with torch.no_grad():  # the program itself (a serial pipeline's model takes features)
        here = train.load(saved)(torch.as_tensor(rows, dtype=torch.float32)).tolist()
    assert many == pytest.approx(here, rel=1e-6)


def test_the_network_traced_for_neo_scores_as_the_saved_program(tmp_path) -> None:
    """Training traces the network to TorchScript for Neo, one row at a time (Neo compiles a
    fixed input shape), and writes that shape as Neo's input configuration; the traced
    module scores as the exported program does. Its archive is of file format version 4
    (torch.div's): a newer version is one Neo's PyTorch 1.8 may not read."""
    train_dir = _features_and_labels(tmp_path)
    saved = train.train(train_dir, tmp_path / "model", epochs=20, edge_dir=tmp_path / "edge")
    traced = torch.jit.load(tmp_path / "edge" / train.EDGE_FILE)
    features = train.read_csv_dir(train_dir)[0]
    program = train.load(saved)
    with torch.no_grad():
        for row in torch.as_tensor(features[:5], dtype=torch.float32):
            assert traced(row[None]).item() == pytest.approx(program(row[None]).item(), rel=1e-6)
    shape = json.loads((tmp_path / "edge" / train.EDGE_INPUT_FILE).read_text())
    assert shape == {"input0": [1, features.shape[1]]}
    with zipfile.ZipFile(tmp_path / "edge" / train.EDGE_FILE) as archive:
        versions = {int(archive.read(name)) for name in archive.namelist()
                    if name.endswith("/version")}
    assert versions == {4}


@pytest.mark.parametrize("on_sagemaker", [True, False])
def test_training_traces_the_network_into_sagemakers_output_data(tmp_path, monkeypatch,
                                                                   on_sagemaker) -> None:
    """On SageMaker (SM_OUTPUT_DATA_DIR set) the traced network goes to the job's output
    data, which SageMaker uploads as output.tar.gz; elsewhere nothing is traced."""
    output = tmp_path / "output-data"
    if on_sagemaker:
        monkeypatch.setenv("SM_OUTPUT_DATA_DIR", str(output))
    else:
        monkeypatch.delenv("SM_OUTPUT_DATA_DIR", raising=False)
    train.main(["--train", str(_features_and_labels(tmp_path)),
                "--model-dir", str(tmp_path / "model"), "--epochs", "2", "--hidden-units", "2"])
    traced = sorted(path.relative_to(tmp_path).as_posix()
                    for path in tmp_path.rglob("*") if path.parent.name == "output-data")
    expected = [f"output-data/{train.EDGE_INPUT_FILE}", f"output-data/{train.EDGE_FILE}"]
    assert traced == (sorted(expected) if on_sagemaker else [])
