"""Training (a SageMaker script-mode entry point): fit the PyTorch model on the
train channel and save it to the model directory.

The model is a small feed-forward network (the features standardised with the training split's
mean and scale, one hidden layer of ReLU units, the positive-class probability out), fitted on
the whole split each epoch with Adam, and saved as a torch.export program: it loads without
this code, in the serving image and in evaluation alike.

For SageMaker Neo, the network is also traced to TorchScript (EDGE_FILE) and written with its
input shape (EDGE_INPUT_FILE) to the job's output data (SM_OUTPUT_DATA_DIR, uploaded as the
job's output.tar.gz): the edge compilation job (edge.py) compiles it for the device.

With a checkpoint directory (SageMaker's, on managed spot capacity), the network and the
optimiser are saved every few epochs; a job restarted after a spot interruption loads the last
checkpoint and continues, and ends with the same model as a run that was never interrupted."""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.export import Dim, export

MODEL_FILE = "model.pt2"
CHECKPOINT_FILE = "checkpoint.pt"
SEED = 0  # of the initial weights
EDGE_FILE = "model.pth"  # the traced network, what Neo compiles
EDGE_INPUT_FILE = "input.json"  # its input's name and shape (Neo's DataInputConfig)
CHECKPOINT_STEP = 20


def read_csv_dir(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from every CSV in ``directory`` (label in column 0)."""
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no CSV files in {directory}")
    data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
    return data[:, 1:], data[:, 0].astype(int)


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


def train(train_dir: Path, model_dir: Path, epochs: int = 200, hidden_units: int = 16,
          learning_rate: float = 0.01, checkpoint_dir: Path | None = None,
          stop_after: int | None = None, edge_dir: Path | None = None) -> Path:
    """Fit on ``train_dir`` and write ``model_dir/MODEL_FILE``; returns its path.

    With ``checkpoint_dir``, resume from its checkpoint (if any) and save one after every
    ``CHECKPOINT_STEP`` epochs. ``stop_after`` ends the run after that many epochs, as a spot
    interruption would (the checkpoint is written; the model is not). With ``edge_dir``,
    the network is traced for Neo into it too (:func:`save_edge`).
    """
    features, labels = read_csv_dir(train_dir)
    network = _fit(features, labels, epochs, hidden_units, learning_rate, checkpoint_dir,
                   stop_after)
    if network is None:
        assert checkpoint_dir is not None  # only a checkpointed run stops early
        return checkpoint_dir / CHECKPOINT_FILE
    if edge_dir is not None:
        save_edge(network, edge_dir)
    return save(network, model_dir / MODEL_FILE)


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


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--hidden-units", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--train", type=Path,
                        default=Path(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")))
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model")))
    # SageMaker creates this directory only when checkpointing is configured (spot training).
    parser.add_argument("--checkpoint-dir", type=Path, default=Path("/opt/ml/checkpoints"))
    # SageMaker uploads this directory as the job's output.tar.gz, which Neo compiles.
    output_data = os.environ.get("SM_OUTPUT_DATA_DIR")
    parser.add_argument("--edge-dir", type=Path,
                        default=Path(output_data) if output_data else None)
    args = parser.parse_args(argv)
    checkpoints = args.checkpoint_dir if args.checkpoint_dir.is_dir() else None
    return train(args.train, args.model_dir, args.epochs, args.hidden_units,
                 args.learning_rate, checkpoint_dir=checkpoints, edge_dir=args.edge_dir)


if __name__ == "__main__":
    main()
