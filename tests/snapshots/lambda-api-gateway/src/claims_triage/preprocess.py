"""Data preparation (a SageMaker processing script): split the data into train, validation
and test CSV files, label in the first column, no header.

Reads CSV files from the input directory when there are any; otherwise uses the breast cancer
dataset that ships with scikit-learn, so the pipeline runs without any data upload.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

SPLITS = ("train", "validation", "test")


def load_dataset(input_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels: from the CSV files under ``input_dir`` (label first, any depth) or,
    when there are none, the bundled dataset."""
    files = sorted(input_dir.rglob("*.csv")) if input_dir and input_dir.is_dir() else []
    if files:
        data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
        return data[:, 1:], data[:, 0].astype(int)
    features, labels = load_breast_cancer(return_X_y=True)
    return features, labels


def split_dataset(
    features: np.ndarray, labels: np.ndarray, seed: int = 42
) -> dict[str, np.ndarray]:
    """Stratified 70 / 15 / 15 split; each array has the label in column 0."""
    x_train, x_rest, y_train, y_rest = train_test_split(
        features, labels, test_size=0.3, random_state=seed, stratify=labels
    )
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, random_state=seed, stratify=y_rest
    )
    return {
        "train": np.column_stack([y_train, x_train]),
        "validation": np.column_stack([y_val, x_val]),
        "test": np.column_stack([y_test, x_test]),
    }


def write_splits(splits: dict[str, np.ndarray], output_dir: Path) -> dict[str, Path]:
    """Write ``output_dir/<split>/<split>.csv`` for each split."""
    paths = {}
    for name, data in splits.items():
        path = output_dir / name / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savetxt(path, data, delimiter=",", fmt="%.10g")
        paths[name] = path
    return paths


def main(argv: list[str] | None = None) -> dict[str, Path]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input-dir", type=Path, default=Path("/opt/ml/processing/input"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing"))
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    features, labels = load_dataset(args.input_dir)
    return write_splits(split_dataset(features, labels, args.seed), args.output_dir)


if __name__ == "__main__":
    main()
