{%- set p = mlops(cookiecutter) -%}
"""Training (a SageMaker script-mode entry point): fit the {{ p.framework.title }} model on the
train channel and save it to the model directory.

{% if p.pytorch -%}
The model is a small feed-forward network (the features standardised with the training split's
mean and scale, one hidden layer of ReLU units, the positive-class probability out), fitted on
the whole split each epoch with Adam, and saved as a torch.export program: it loads without
this code, in the serving image and in evaluation alike.
{%- if p.compiles_for_edge %}

For SageMaker Neo, the network is also traced to TorchScript (EDGE_FILE) and written with its
input shape (EDGE_INPUT_FILE) to the job's output data (SM_OUTPUT_DATA_DIR, uploaded as the
job's output.tar.gz): the edge compilation job (edge.py) compiles it for the device.
{%- endif %}

With a checkpoint directory (SageMaker's, on managed spot capacity), the network and the
optimiser are saved every few epochs; a job restarted after a spot interruption loads the last
checkpoint and continues, and ends with the same model as a run that was never interrupted.
{%- else -%}
With a checkpoint directory (SageMaker's, on managed spot capacity), boosting rounds are added
in steps and the model is saved after each; a job restarted after a spot interruption loads the
last checkpoint and continues, and ends with the same model as a run that was never
interrupted.
{%- endif %}"""

from __future__ import annotations

import argparse
{%- if p.xgboost or p.compiles_for_edge %}
import json
{%- endif %}
import os
{%- if p.compiles_for_edge %}
import warnings
{%- endif %}
from pathlib import Path

{% if p.joblib -%}
import joblib
{% endif -%}
import numpy as np
{%- if p.pytorch %}
import torch
{%- endif %}
{%- if p.sklearn %}
from sklearn.ensemble import GradientBoostingClassifier
{%- endif %}
{%- if p.serial_pipeline %}
from sklearn.impute import SimpleImputer
{%- endif %}
{%- if p.joblib %}
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
{%- endif %}
{%- if p.pytorch %}
from torch import nn
from torch.export import Dim, export
{%- endif %}
{%- if p.xgboost %}
from xgboost import XGBClassifier
{%- endif %}

MODEL_FILE = "{{ p.framework.model_file }}"
{%- if p.xgboost %}
CHECKPOINT_FILE = "checkpoint.json"
# What a checkpoint must have been trained with to be resumed (kept in the booster).
RESUME_SETTINGS = ("max_depth", "learning_rate", "random_state", "tree_method")
{%- elif p.pytorch %}
CHECKPOINT_FILE = "checkpoint.pt"
SEED = 0  # of the initial weights
{%- if p.compiles_for_edge %}
EDGE_FILE = "model.pth"  # the traced network, what Neo compiles
EDGE_INPUT_FILE = "input.json"  # its input's name and shape (Neo's DataInputConfig)
{%- endif %}
{%- else %}
CHECKPOINT_FILE = "checkpoint.joblib"
{%- endif %}
{%- if p.serial_pipeline %}
# The serial inference pipeline's first container turns raw rows into the model's features
# with this transform (fitted on the training split), saved next to the model.
FEATURES_FILE = "features.joblib"
{%- endif %}
CHECKPOINT_STEP = 20


def read_csv_dir(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from every CSV in ``directory`` (label in column 0)."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no CSV files in {directory}")
    data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
    return data[:, 1:], data[:, 0].astype(int)
{%- if p.xgboost %}


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
{%- elif p.pytorch %}


class Network(nn.Module):
    """Standardises the features, then one hidden layer of ReLU units; its output is the
    positive-class probability of each row."""

    def __init__(self, features: np.ndarray, hidden_units: int) -> None:
        super().__init__()
        scale = features.std(axis=0)
        self.register_buffer("mean", torch.as_tensor(features.mean(axis=0), dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(np.where(scale > 0, scale, 1.0),
                                                      dtype=torch.float32))
        # How many epochs the weights were trained for (kept in the saved program).
        self.register_buffer("epochs", torch.tensor(0))
        self.layers = nn.Sequential(nn.Linear(features.shape[1], hidden_units), nn.ReLU(),
                                    nn.Linear(hidden_units, 1))

    def logits(self, rows: torch.Tensor) -> torch.Tensor:
        return self.layers((rows - self.mean) / self.scale).squeeze(-1)

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(rows))


def save(network: Network, path: Path) -> Path:
    """Export ``network`` (on the CPU) for any number of rows and save the program."""
    path.parent.mkdir(parents=True, exist_ok=True)
    network = network.cpu().eval()
    # Two example rows: torch.export keeps a dimension of size 1 fixed.
    example = torch.zeros(2, network.mean.numel())
    program = export(network, (example,), dynamic_shapes=({0: Dim("rows", min=1)},))
    torch.export.save(program, path)
    return path


def load(path: Path) -> torch.nn.Module:
    """The saved program as a module: rows (a float32 tensor) -> probabilities."""
    return torch.export.load(path).module()
{%- if p.compiles_for_edge %}


def save_edge(network: Network, directory: Path) -> Path:
    """Trace ``network`` (on the CPU) to TorchScript for one row, Neo's fixed input shape,
    and write it with that shape to ``directory``; returns the TorchScript file. The traced
    module must score as the network does, or nothing is written."""
    network = network.cpu().eval()
    row = network.mean.reshape(1, -1) + network.scale.reshape(1, -1)
    # TorchScript is deprecated in newer PyTorch releases, and it is what Neo compiles.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch.jit")
        traced = torch.jit.trace(network, (row,))
        if not torch.allclose(traced(row), network(row)):
            raise RuntimeError("the traced network does not score as the network does")
        directory.mkdir(parents=True, exist_ok=True)
        torch.jit.save(traced, directory / EDGE_FILE)
    shape = {"input0": list(row.shape)}
    (directory / EDGE_INPUT_FILE).write_text(json.dumps(shape))
    return directory / EDGE_FILE
{%- endif %}
{%- else %}


def build_model(n_estimators: int, max_depth: int, learning_rate: float) -> Pipeline:
    return make_pipeline(
{%- if not p.serial_pipeline %}
        StandardScaler(),
{%- endif %}
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
{%- endif %}

{%- if p.serial_pipeline %}


def build_features() -> Pipeline:
    """Raw rows -> the model's features: a missing value takes the feature's training median,
    then every feature is standardised. The pipeline's first container applies it."""
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
{%- endif %}


{% if p.pytorch -%}
def train(train_dir: Path, model_dir: Path, epochs: int = 200, hidden_units: int = 16,
          learning_rate: float = 0.01, checkpoint_dir: Path | None = None,
          stop_after: int | None = None{% if p.compiles_for_edge %}, edge_dir: Path | None = None{% endif %}) -> Path:
{%- else -%}
def train(train_dir: Path, model_dir: Path, n_estimators: int = 100, max_depth: int = 3,
          learning_rate: float = 0.1, checkpoint_dir: Path | None = None,
          stop_after: int | None = None) -> Path:
{%- endif %}
    """Fit on ``train_dir`` and write ``model_dir/MODEL_FILE``{% if p.serial_pipeline %} (and ``FEATURES_FILE``){% endif %}; returns its path.

    With ``checkpoint_dir``, resume from its checkpoint (if any) and save one after every
    ``CHECKPOINT_STEP`` {{ "epochs" if p.pytorch else "stages" }}. ``stop_after`` ends the run after that many {{ "epochs" if p.pytorch else "stages" }}, as a spot
    interruption would (the checkpoint is written; the model is not).{% if p.compiles_for_edge %} With ``edge_dir``,
    the network is traced for Neo into it too (:func:`save_edge`).{% endif %}
    """
    features, labels = read_csv_dir(train_dir)
{%- if p.serial_pipeline %}
    featurizer = build_features().fit(features)
    features = featurizer.transform(features)
{%- endif %}
{%- if p.pytorch %}
    network = _fit(features, labels, epochs, hidden_units, learning_rate, checkpoint_dir,
                   stop_after)
    if network is None:
        assert checkpoint_dir is not None  # only a checkpointed run stops early
        return checkpoint_dir / CHECKPOINT_FILE
{%- else %}
    if checkpoint_dir is None:
        model = build_model(n_estimators, max_depth, learning_rate).fit(features, labels)
    else:
        model = _fit_with_checkpoints(features, labels, checkpoint_dir,
                                      build_model(n_estimators, max_depth, learning_rate),
                                      stop_after)
        if model is None:
            return checkpoint_dir / CHECKPOINT_FILE
{%- endif %}
{%- if p.serial_pipeline %}
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(featurizer, model_dir / FEATURES_FILE)
{%- endif %}
{%- if p.compiles_for_edge %}
    if edge_dir is not None:
        save_edge(network, edge_dir)
{%- endif %}
    return save({{ "network" if p.pytorch else "model" }}, model_dir / MODEL_FILE)
{%- if p.pytorch %}


def _fit(features: np.ndarray, labels: np.ndarray, epochs: int, hidden_units: int,
         learning_rate: float, checkpoint_dir: Path | None,
         stop_after: int | None) -> Network | None:
    """Adam on the whole split each epoch (binary cross-entropy). With ``checkpoint_dir``, the
    network and the optimiser's state are saved every ``CHECKPOINT_STEP`` epochs, and a
    checkpoint of the same settings is resumed."""
    # SageMaker's GPU instances have CUDA; the saved program runs on the CPU.
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(SEED)
    network = Network(features, hidden_units).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)
    # What a checkpoint must have been trained with to be resumed (kept in the checkpoint).
    settings = {"hidden_units": hidden_units, "learning_rate": learning_rate, "seed": SEED}
    checkpoint = checkpoint_dir / CHECKPOINT_FILE if checkpoint_dir else None
    if checkpoint is not None and checkpoint.is_file():
        # weights_only: a checkpoint holds tensors and plain values, and nothing else is run.
        saved = torch.load(checkpoint, map_location=device, weights_only=True)
        if saved["settings"] == settings and saved["features"] == features.shape[1]:
            network.load_state_dict(saved["network"])
            optimizer.load_state_dict(saved["optimizer"])
    rows = torch.as_tensor(features, dtype=torch.float32, device=device)
    targets = torch.as_tensor(labels, dtype=torch.float32, device=device)
    loss = nn.BCEWithLogitsLoss()
    network.train()
    for done in range(int(network.epochs) + 1, epochs + 1):
        optimizer.zero_grad()
        loss(network.logits(rows), targets).backward()
        optimizer.step()
        network.epochs.fill_(done)
        if checkpoint is not None and (done % CHECKPOINT_STEP == 0 or done == epochs):
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"settings": settings, "features": features.shape[1],
                        "network": network.state_dict(), "optimizer": optimizer.state_dict()},
                       checkpoint)
            if stop_after is not None and stop_after <= done < epochs:
                return None
    return network
{%- elif p.xgboost %}


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
{%- else %}


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
{%- endif %}


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__)
{%- if p.pytorch %}
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--hidden-units", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=0.01)
{%- else %}
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=0.1)
{%- endif %}
    parser.add_argument("--train", type=Path,
                        default=Path(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")))
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model")))
    # SageMaker creates this directory only when checkpointing is configured (spot training).
    parser.add_argument("--checkpoint-dir", type=Path, default=Path("/opt/ml/checkpoints"))
{%- if p.compiles_for_edge %}
    # SageMaker uploads this directory as the job's output.tar.gz, which Neo compiles.
    output_data = os.environ.get("SM_OUTPUT_DATA_DIR")
    parser.add_argument("--edge-dir", type=Path,
                        default=Path(output_data) if output_data else None)
{%- endif %}
    args = parser.parse_args(argv)
    checkpoints = args.checkpoint_dir if args.checkpoint_dir.is_dir() else None
{%- if p.pytorch %}
    return train(args.train, args.model_dir, args.epochs, args.hidden_units,
                 args.learning_rate, checkpoint_dir=checkpoints{% if p.compiles_for_edge %}, edge_dir=args.edge_dir{% endif %})
{%- else %}
    return train(args.train, args.model_dir, args.n_estimators, args.max_depth,
                 args.learning_rate, checkpoint_dir=checkpoints)
{%- endif %}


if __name__ == "__main__":
    main()
