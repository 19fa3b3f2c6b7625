"""Evaluation (a SageMaker processing script): score the trained model on the test split and
write ``evaluation.json`` in SageMaker's model-quality metrics format."""

from __future__ import annotations

import argparse
import json
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import joblib
import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

MODEL_FILE = "model.joblib"


def extract_model(archive: Path, target: Path) -> None:
    """Unpack a ``model.tar.gz`` into ``target``. The tar "data" filter refuses links and paths
    out of ``target``; a framework image whose Python predates it (before 3.8.17 / 3.9.17)
    extracts as before."""
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="data")
        else:
            tar.extractall(target)


def fetch_model(s3, model_data_url: str, target: Path) -> None:
    """Download the ``model.tar.gz`` at ``model_data_url`` (``s3://bucket/key``) into ``target``
    and unpack it there (the archive is removed after)."""
    location = urlparse(model_data_url)
    target.mkdir(parents=True, exist_ok=True)
    archive = target / "model.tar.gz"
    s3.download_file(location.netloc, location.path.lstrip("/"), str(archive))
    extract_model(archive, target)
    archive.unlink()


def load_model(model_dir: Path):
    """The model from ``model_dir``: a ``model.tar.gz`` (as training writes it) or the file."""
    archive = model_dir / "model.tar.gz"
    if archive.is_file():
        model_dir = Path(tempfile.mkdtemp())
        extract_model(archive, model_dir)
    return _load(model_dir / MODEL_FILE)


def _load(path: Path):
    return joblib.load(path)


def evaluate(model, test: np.ndarray) -> dict:
    """Metrics of ``model`` on ``test`` (label in column 0)."""
    features, labels = test[:, 1:], test[:, 0].astype(int)
    scores = model.predict_proba(features)[:, 1]
    return {
        "binary_classification_metrics": {
            "roc_auc": {"value": float(roc_auc_score(labels, scores)), "standard_deviation": "NaN"},
            "accuracy": {
                "value": float(accuracy_score(labels, scores >= 0.5)),
                "standard_deviation": "NaN",
            },
        }
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/processing/model"))
    parser.add_argument("--test-dir", type=Path, default=Path("/opt/ml/processing/test"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/evaluation"))
    args = parser.parse_args(argv)
    test = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2)
                      for f in sorted(args.test_dir.glob("*.csv"))])
    report = evaluate(load_model(args.model_dir), test)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "evaluation.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
