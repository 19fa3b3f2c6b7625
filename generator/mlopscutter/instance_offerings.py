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
import re
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


# Instance families are told apart by name: accelerated ones start with their accelerator's
# letters and a generation digit (g4dn, g6f, p5en, dl1, inf2, trn1); Graviton families (c6g,
# m7g) carry their "g" after the digit.
_ACCELERATED = re.compile(r"(?:g|p|dl|inf|trn)\d")
_NEURON = re.compile(r"(?:inf|trn)\d")
# Accelerated instance families whose storage is local NVMe instance store: SageMaker
# encrypts it in hardware and refuses a KMS key for it (VolumeKmsKeyId, the endpoint config's
# KmsKeyId). CPU families say so in their name (see has_ebs_volumes).
INSTANCE_STORE_FAMILIES = frozenset(
    {"g4dn", "g5", "g6", "g6e", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "trn1", "trn1n", "inf2"}
)


def accelerated(family: str) -> bool:
    """Whether an instance family has GPUs (g*, p*), Gaudi (dl*), Inferentia (inf*) or
    Trainium (trn*) accelerators."""
    return _ACCELERATED.match(family) is not None


def neuron(family: str) -> bool:
    """Whether an instance family has Inferentia or Trainium (AWS Neuron) accelerators."""
    return _NEURON.match(family) is not None


def has_ebs_volumes(instance_type: str) -> bool:
    """Whether the type's storage is EBS (which takes the project key), not instance store.
    CPU families name their instance-store variants with a "d" after the generation (m5d,
    m6id, r7gd, c5dn); accelerated families are listed."""
    family = instance_type.split(".")[1]
    if family in INSTANCE_STORE_FAMILIES:
        return False
    variant = re.fullmatch(r"[a-z]+\d+([a-z-]*)", family)
    return accelerated(family) or variant is None or "d" not in variant[1]


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
