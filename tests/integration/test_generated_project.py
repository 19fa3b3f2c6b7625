"""A generated project's own `make test` and `make lint` pass: its ML code, its pipeline
definition and its deploy helpers, against moto.

Slow (it installs the project's dependencies, the SageMaker SDK among them): in the `slow`
tier, which `make test` and CI run and `make test-fast` leaves out. The first project creates
a fresh virtual environment through its own `make install`; the others install themselves into
that one (their dependencies are the same), which saves about 35 s per project.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mlopscutter.frameworks import FRAMEWORKS, NO_NEO_REGIONS
from mlopscutter.regions import COMMERCIAL_REGIONS
from tests.helpers import render_example


@pytest.fixture(scope="module")
def shared_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated-projects") / "venv"


# The examples whose generated tests differ: those tests branch on the serving shape, the
# framework, stage accounts, drift, the VPC, the orchestrator and edge compilation, not on the
# CI provider or the branch model (the matrix and the snapshots cover those files). The
# PyTorch serving path runs in edge (SageMaker images) and airflow-existing-mwaa (own image);
# an org profile's cfn-lint rules run in acme-ml-accounts's `make lint`. The Lambda tests run
# in lambda-api-gateway, whose handler and stack tests are the function URL project's plus the
# HTTP API's (the function URL's stack is created in moto by test_stage_accounts).
@pytest.mark.slow
@pytest.mark.parametrize(
    "example",
    [
        "all-at-once-scheduled",
        "acme-ml-accounts",
        "serverless",
        "async",
        "byoc",
        "batch",
        "xgboost",
        "edge",
        "serial-pipeline",
        "multi-model",
        "acme-ml-accounts-multi-model",
        "airflow",
        "airflow-existing-mwaa",
        "lambda-api-gateway",
        "ecs",
    ],
)
def test_generated_project_passes_its_own_make_test_and_lint(
    tmp_path: Path, example: str, shared_venv: Path
) -> None:
    """acme-ml is made under an org profile: its `make lint` runs the profile's cfn-lint rules."""
    project = render_example(example, tmp_path)
    # Each project installs itself: its `make install` runs whenever this stamp is missing.
    (shared_venv / ".installed").unlink(missing_ok=True)
    result = subprocess.run(
        ["make", f"VENV={shared_venv}", "test", "lint"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = re.findall(r"^=+ (.*\d+ passed.*) in [\d.]+s", output, flags=re.MULTILINE)
    assert summary, output[-3000:]
    assert "failed" not in summary[-1] and "error" not in summary[-1], summary[-1]
    passed = int(re.search(r"(\d+) passed", summary[-1]).group(1))
    assert passed >= 25, summary[-1]
    assert "All checks passed!" in output  # ruff, from `make lint`; cfn-lint prints nothing


# Which Regions the SageMaker SDK resolves no image in, for each (framework, version): the
# generated projects build their pipelines with exactly this call.
_MISSING_IMAGES = """
import json, sys
from sagemaker import image_uris

asked = json.loads(sys.argv[1])
missing = {}
for name, version, py_version in asked["frameworks"]:
    missing[name] = []
    for region in asked["regions"]:
        for scope in ("training", "inference"):
            try:
                image_uris.retrieve(name, region, version=version, py_version=py_version,
                                    instance_type="ml.m5.large", image_scope=scope)
            except ValueError:
                missing[name].append(region)
                break
# SageMaker Neo: the Regions with no Neo image of the version a framework compiles at.
for name, version in asked["neo"]:
    registries = image_uris.config_for_framework(f"neo-{name}")["versions"][version]["registries"]
    missing[f"neo-{name}"] = [r for r in asked["regions"] if r not in registries]
print(json.dumps(missing))
"""


@pytest.mark.slow
def test_framework_image_regions_are_those_of_the_sagemaker_sdk(
    tmp_path: Path, shared_venv: Path
) -> None:
    """mlopscutter.frameworks says which Regions have no framework image, and which no Neo
    image (and refuses them); the SageMaker SDK the generated projects install must agree,
    Region by Region."""
    python = shared_venv / "bin" / "python"
    if not python.exists():  # run on its own: install a project's dependencies first
        project = render_example("canary", tmp_path)
        subprocess.run(
            ["make", f"VENV={shared_venv}", "install"], cwd=project, check=True, timeout=1200
        )
    asked = {
        "frameworks": [(f.sdk_name, f.version, f.py_version) for f in FRAMEWORKS.values()],
        "neo": [(f.sdk_name, f.neo_version) for f in FRAMEWORKS.values() if f.neo_version],
        "regions": sorted(COMMERCIAL_REGIONS),
    }
    result = subprocess.run(
        [str(python), "-c", _MISSING_IMAGES, json.dumps(asked)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"SAGEMAKER_SUPPRESS_V2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    missing = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {f.sdk_name: sorted(f.missing_in) for f in FRAMEWORKS.values()}
    expected |= {
        f"neo-{f.sdk_name}": sorted(NO_NEO_REGIONS) for f in FRAMEWORKS.values() if f.neo_version
    }
    assert expected == missing
