"""Packaging (a SageMaker processing script of the training DAG): the trained model artifact
with the inference code under code/, where the framework's serving image looks for it; what
the SageMaker SDK's repack step does for the SageMaker pipeline."""

from __future__ import annotations

import argparse
import tarfile
import tempfile
from pathlib import Path


def repack(model_archive: Path, inference_code: Path, output: Path) -> Path:
    """Write ``output/model.tar.gz``: everything in ``model_archive`` plus
    ``code/<inference_code's name>``."""
    output.mkdir(parents=True, exist_ok=True)
    packaged = output / "model.tar.gz"
    with tempfile.TemporaryDirectory() as directory:
        contents = Path(directory)
        with tarfile.open(model_archive) as archive:
            # The "data" filter where the image's Python has it (3.8.17 / 3.9.17 and later).
            if hasattr(tarfile, "data_filter"):
                archive.extractall(contents, filter="data")
            else:
                archive.extractall(contents)
        (contents / "code").mkdir(exist_ok=True)
        (contents / "code" / inference_code.name).write_bytes(inference_code.read_bytes())
        with tarfile.open(packaged, "w:gz") as archive:
            for path in sorted(contents.iterdir()):
                archive.add(path, arcname=path.name)
    return packaged


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path,
                        default=Path("/opt/ml/processing/model/model.tar.gz"))
    parser.add_argument("--inference-code", type=Path,
                        default=Path("/opt/ml/processing/serving-code/inference.py"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/packaged"))
    args = parser.parse_args(argv)
    return repack(args.model, args.inference_code, args.output_dir)


if __name__ == "__main__":
    main()
