"""Which SageMaker instance types each Region offers, for hosting, batch transform and
processing jobs.

The table is AWS's price list as cfn-lint ships it (its ``aws_sagemaker_hosting``,
``aws_sagemaker_transform`` and ``aws_sagemaker_processing`` schema extensions, "updated using
update_specs_from_pricing"),
kept in ``data/sagemaker_instance_types.json`` for the commercial Regions. A unit test compares
it with the installed cfn-lint so it cannot drift; ``make instance-data`` refreshes it.
Standard library only at run time: the hooks import it.
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


def write(path: Path) -> None:
    """Refresh the data file from the installed cfn-lint."""
    from mlopscutter.regions import COMMERCIAL_REGIONS

    path.write_text(json.dumps(from_cfn_lint(COMMERCIAL_REGIONS), indent=0, sort_keys=True) + "\n")


if __name__ == "__main__":
    write(Path(__file__).resolve().parent / "data" / DATA_FILE)
