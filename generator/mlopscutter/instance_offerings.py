"""Which SageMaker instance types each Region offers, for hosting, batch transform and
processing jobs, and which types training jobs take at all.

The Region table is AWS's price list as cfn-lint ships it (its ``aws_sagemaker_hosting``,
``aws_sagemaker_transform`` and ``aws_sagemaker_processing`` schema extensions, "updated using
update_specs_from_pricing"), kept in ``data/sagemaker_instance_types.json`` for the commercial
Regions. The price list has no training table, so training types are checked against the
CreateTrainingJob API's own list (``TrainingInstanceType`` in botocore's SageMaker service
model), kept in ``data/sagemaker_training_instance_types.json``. Unit tests compare both with the
installed cfn-lint and botocore; ``make instance-data`` refreshes them. Standard library only at
run time: the hooks import it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

Kind = Literal["hosting", "transform", "processing"]
KINDS: tuple[Kind, ...] = ("hosting", "transform", "processing")
DATA_FILE = "sagemaker_instance_types.json"
TRAINING_FILE = "sagemaker_training_instance_types.json"
# The processing type the pipeline's jobs take: the first of these the Region offers.
PROCESSING_PREFERENCE = (
    "ml.m5.large",
    "ml.m6i.large",
    "ml.m7i.large",
    "ml.c5.xlarge",
    "ml.t3.large",
)


@cache
def _table() -> dict[str, dict[str, frozenset[str]]]:
    text = (resources.files("mlopscutter") / "data" / DATA_FILE).read_text()
    return {
        kind: {region: frozenset(types) for region, types in regions.items()}
        for kind, regions in json.loads(text).items()
    }


def offered_types(kind: Kind, region: str) -> frozenset[str]:
    """The instance types ``region`` offers for ``kind`` (empty for an unknown Region)."""
    return _table()[kind].get(region, frozenset())


def processing_instance_type(region: str) -> str | None:
    """The instance type the project's processing jobs run on in ``region``."""
    offered = offered_types("processing", region)
    return next((t for t in PROCESSING_PREFERENCE if t in offered), None)


def from_cfn_lint(regions: frozenset[str]) -> dict[str, dict[str, list[str]]]:
    """The table as the installed cfn-lint has it, for ``regions`` (needs cfn-lint)."""
    extensions = resources.files("cfnlint") / "data" / "schemas" / "extensions"
    table: dict[str, dict[str, list[str]]] = {}
    for kind in KINDS:
        document = json.loads(
            (extensions / f"aws_sagemaker_{kind}" / "instancetype_enum.json").read_text()
        )
        table[kind] = {
            region: sorted(document[region]["enum"])
            for region in sorted(regions)
            if isinstance(document.get(region), dict)
        }
    return table


@cache
def training_types() -> frozenset[str]:
    """The instance types CreateTrainingJob accepts (in any Region that offers them)."""
    text = (resources.files("mlopscutter") / "data" / TRAINING_FILE).read_text()
    return frozenset(json.loads(text))


@cache
def known_families() -> frozenset[str]:
    """Every instance family SageMaker offers for hosting, transform, processing or training
    in some commercial Region (m5, c7i-flex, g6e, p6-b200, ...)."""
    types = set(training_types())
    for regions in _table().values():
        for offered in regions.values():
            types |= offered
    return frozenset(t.split(".")[1] for t in types)


def training_from_botocore() -> list[str]:
    """CreateTrainingJob's instance types as the installed botocore has them (needs boto3)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return sorted(model.shape_for("TrainingInstanceType").enum)


def write(directory: Path) -> None:
    """Refresh the data files from the installed cfn-lint and botocore."""
    from mlopscutter.regions import COMMERCIAL_REGIONS

    table = from_cfn_lint(COMMERCIAL_REGIONS)
    (directory / DATA_FILE).write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    (directory / TRAINING_FILE).write_text(json.dumps(training_from_botocore(), indent=0) + "\n")


if __name__ == "__main__":
    write(Path(__file__).resolve().parent / "data")
