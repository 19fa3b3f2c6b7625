"""The generated project's GitHub API client and its own tests (stdlib only, so they run here
without installing the project): rulesets applied idempotently, release tags, against a local
server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import example_answers, render


@pytest.mark.parametrize("example", ["github-actions-gitflow", "codepipeline-gitflow", "canary"])
def test_generated_github_api_tests_pass(example: str, tmp_path: Path) -> None:
    project = render(example_answers(example), tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/unit/test_github_api.py",
        ],
        cwd=project,
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
