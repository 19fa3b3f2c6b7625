"""Training (a SageMaker script-mode entry point): fit the model on the train channel and save
it to the model directory."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

MODEL_FILE = "model.joblib"


def read_csv_dir(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from every CSV in ``directory`` (label in column 0)."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no CSV files in {directory}")
    data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
    return data[:, 1:], data[:, 0].astype(int)


def build_model(n_estimators: int, max_depth: int, learning_rate: float) -> Pipeline:
    return make_pipeline(
        StandardScaler(),
        GradientBoostingClassifier(
            n_estimators=n_estimators, max_depth=max_depth, learning_rate=learning_rate,
            random_state=0,
        ),
    )


def train(train_dir: Path, model_dir: Path, n_estimators: int = 100, max_depth: int = 3,
          learning_rate: float = 0.1) -> Path:
    """Fit on ``train_dir`` and write ``model_dir/model.joblib``; returns its path."""
    features, labels = read_csv_dir(train_dir)
    model = build_model(n_estimators, max_depth, learning_rate).fit(features, labels)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILE
    joblib.dump(model, path)
    return path


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--train", type=Path,
                        default=Path(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")))
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model")))
    args = parser.parse_args(argv)
    return train(args.train, args.model_dir, args.n_estimators, args.max_depth,
                 args.learning_rate)


if __name__ == "__main__":
    main()
