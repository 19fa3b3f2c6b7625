"""Training (a SageMaker script-mode entry point): fit the XGBoost model on the
train channel and save it to the model directory.

With a checkpoint directory (SageMaker's, on managed spot capacity), boosting rounds are added
in steps and the model is saved after each; a job restarted after a spot interruption loads the
last checkpoint and continues, and ends with the same model as a run that was never
interrupted."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from xgboost import XGBClassifier

MODEL_FILE = "model.json"
CHECKPOINT_FILE = "checkpoint.json"
# What a checkpoint must have been trained with to be resumed (kept in the booster).
RESUME_SETTINGS = ("max_depth", "learning_rate", "random_state", "tree_method")
CHECKPOINT_STEP = 20


def read_csv_dir(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from every CSV in ``directory`` (label in column 0)."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no CSV files in {directory}")
    data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
    return data[:, 1:], data[:, 0].astype(int)


def build_model(n_estimators: int, max_depth: int, learning_rate: float) -> XGBClassifier:
    # Trees need no feature scaling. SageMaker sets SM_NUM_GPUS on GPU instances.
    gpus = int(os.environ.get("SM_NUM_GPUS", "0"))
    return XGBClassifier(
        n_estimators=n_estimators, max_depth=max_depth, learning_rate=learning_rate,
        tree_method="hist", device="cuda" if gpus else "cpu", random_state=0,
    )


def save(model: XGBClassifier, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save_model(path)
    return path


def load(path: Path) -> XGBClassifier:
    model = XGBClassifier()
    model.load_model(path)
    return model


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
                          model: XGBClassifier, stop_after: int | None) -> XGBClassifier | None:
    target, settings = model.n_estimators, _settings(model)
    checkpoint = checkpoint_dir / CHECKPOINT_FILE
    fitted, done = None, 0
    if checkpoint.is_file():
        saved = load(checkpoint)
        if saved.get_booster().attr("settings") == settings:
            fitted, done = saved, saved.get_booster().num_boosted_rounds()
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    while done < target:
        step = min(CHECKPOINT_STEP, target - done)
        # Boosting continues from the rounds fitted so far: the trees of one long run.
        model.set_params(n_estimators=step)
        model.fit(features, labels, xgb_model=fitted.get_booster() if fitted else None)
        fitted, done = model, done + step
        fitted.get_booster().set_attr(settings=settings)
        save(fitted, checkpoint)
        if stop_after is not None and stop_after <= done < target:
            return None
    assert fitted is not None  # target >= 1
    return fitted.set_params(n_estimators=target)


def _settings(model: XGBClassifier) -> str:
    """The settings a checkpoint records, so that one of other settings is not resumed."""
    params = model.get_params()
    return json.dumps({key: params[key] for key in RESUME_SETTINGS}, sort_keys=True)


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
