"""Deploy helper for the build stage: resolve the newest Approved model package of this
project's group and write the per-stage CloudFormation parameter files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import boto3

from . import config


class NoApprovedModelError(RuntimeError):
    """Raised when the model package group has no Approved package to deploy."""


def latest_approved_model_package(sagemaker: Any, group: str = config.MODEL_PACKAGE_GROUP) -> str:
    """ARN of the most recently created Approved package in ``group``."""
    response = sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved",
        SortBy="CreationTime", SortOrder="Descending", MaxResults=1,
    )
    packages = response["ModelPackageSummaryList"]
    if not packages:
        raise NoApprovedModelError(
            f"model package group {group!r} has no Approved package; approve one in the model "
            "registry first"
        )
    return str(packages[0]["ModelPackageArn"])


def write_stage_parameters(package_arn: str, config_dir: Path, out_dir: Path) -> list[Path]:
    """For each ``config_dir/<stage>.json``, write ``out_dir/<stage>.json`` with the package."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(config_dir.glob("*.json")):
        document = json.loads(source.read_text())
        document["Parameters"]["ModelPackageArn"] = package_arn
        target = out_dir / source.name
        target.write_text(json.dumps(document, indent=2) + "\n")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config-dir", type=Path, default=Path("infra/config"))
    parser.add_argument("--out-dir", type=Path, default=Path("build/config"))
    args = parser.parse_args(argv)
    sagemaker = boto3.client("sagemaker", region_name=config.region())
    package_arn = latest_approved_model_package(sagemaker)
    written = write_stage_parameters(package_arn, args.config_dir, args.out_dir)
    print(json.dumps({"ModelPackageArn": package_arn, "files": [str(p) for p in written]}))
    return written


if __name__ == "__main__":
    main()
