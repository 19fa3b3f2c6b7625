"""A generated project's own `make test` and `make lint` pass: its ML code, its pipeline
definition and its deploy helpers, against moto.

Slow (it installs the project's dependencies, the SageMaker SDK among them): in the `slow`
tier, which `make test` and CI run and `make test-fast` leaves out. The first project creates
a fresh virtual environment through its own `make install`; the others install themselves into
that one (their dependencies are the same), which saves about 35 s per project.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import render_example


@pytest.fixture(scope="module")
def shared_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated-projects") / "venv"


@pytest.mark.slow
@pytest.mark.parametrize(
    "example",
    [
        "all-at-once-scheduled",
        "github-actions-gitflow",
        "acme-ml",
        "serverless",
        "async",
        "byoc",
        "batch",
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
