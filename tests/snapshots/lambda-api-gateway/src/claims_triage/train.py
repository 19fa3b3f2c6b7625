"""Training (a SageMaker script-mode entry point): fit the scikit-learn model on the
train channel and save it to the model directory.

With a checkpoint directory (SageMaker's, on managed spot capacity), boosting rounds are added
in steps and the model is saved after each; a job restarted after a spot interruption loads the
last checkpoint and continues, and ends with the same model as a run that was never
interrupted."""

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
CHECKPOINT_FILE = "checkpoint.joblib"
CHECKPOINT_STEP = 20


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


def save(model: Pipeline, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path


def load(path: Path) -> Pipeline:
    return joblib.load(path)


def train(train_dir: Path, model_dir: Path, n_estimators: int = 100, max_depth: int = 3,
          learning_rate: float = 0.1, checkpoint_dir: Path | None = None,
          stop_after: int | None = None) -> Path:
    """Fit on ``train_dir`` and write ``model_dir/MODEL_FILE``; returns its path.

    With ``checkpoint_dir``, resume from its checkpoint (if any) and save one after every
    ``CHECKPOINT_STEP`` stages. ``stop_after`` ends the run after that many stages, as a spot
    interruption would (the checkpoint is written; the model is not).
    """
    features, labels = read_csv_dir(train_dir)
    if checkpoint_dir is None:
        model = build_model(n_estimators, max_depth, learning_rate).fit(features, labels)
    else:
        model = _fit_with_checkpoints(features, labels, checkpoint_dir,
                                      build_model(n_estimators, max_depth, learning_rate),
                                      stop_after)
        if model is None:
            return checkpoint_dir / CHECKPOINT_FILE
    return save(model, model_dir / MODEL_FILE)


def _fit_with_checkpoints(features: np.ndarray, labels: np.ndarray, checkpoint_dir: Path,
                          model: Pipeline, stop_after: int | None) -> Pipeline | None:
    target = model[-1].n_estimators
    checkpoint = checkpoint_dir / CHECKPOINT_FILE
    done = 0
    if checkpoint.is_file():
        saved = load(checkpoint)
        if _same_settings(saved[-1], model[-1]):
            model, done = saved, saved[-1].n_estimators
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    while done < target:
        done = min(done + CHECKPOINT_STEP, target)
        model.set_params(gradientboostingclassifier__warm_start=True,
                         gradientboostingclassifier__n_estimators=done)
        model.fit(features, labels)
        save(model, checkpoint)
        if stop_after is not None and stop_after <= done < target:
            return None
    return model


def _same_settings(saved: GradientBoostingClassifier, wanted: GradientBoostingClassifier) -> bool:
    """Whether a checkpoint was made with the settings of this run (else it is not resumed)."""
    keys = ("max_depth", "learning_rate", "random_state", "loss", "subsample")
    return all(saved.get_params()[k] == wanted.get_params()[k] for k in keys)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--train", type=Path,
                        default=Path(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")))
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model")))
    # SageMaker creates this directory only when checkpointing is configured (spot training).
    parser.add_argument("--checkpoint-dir", type=Path, default=Path("/opt/ml/checkpoints"))
    args = parser.parse_args(argv)
    checkpoints = args.checkpoint_dir if args.checkpoint_dir.is_dir() else None
    return train(args.train, args.model_dir, args.n_estimators, args.max_depth,
                 args.learning_rate, checkpoint_dir=checkpoints)


if __name__ == "__main__":
    main()
