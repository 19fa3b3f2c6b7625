"""`mlopscutter check` and `mlopscutter diff` on real git histories: template v1 → project →
local edits → template v1.1."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers import git, make_template_repo, run

CLI = [sys.executable, "-m", "mlopscutter"]


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, Path]:
    template = make_template_repo(tmp_path / "template", tag="v1.0")
    created = run(
        [
            *CLI,
            "new",
            str(template),
            "--no-input",
            "-o",
            str(tmp_path / "projects"),
            "deployment_strategy=linear",
        ]
    )
    assert created.returncode == 0, created.stderr
    return template, tmp_path / "projects" / "customer-churn"


def _release_v1_1(template: Path) -> str:
    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nTemplate v1.1 adds this line.\n")
    git("commit", "-qam", "template v1.1", cwd=template)
    git("tag", "v1.1", cwd=template)
    return git("rev-parse", "HEAD", cwd=template).strip()


def test_check_is_current_then_lags_naming_both_commits(history) -> None:
    template, project = history
    v1 = git("rev-parse", "HEAD", cwd=template).strip()
    current = run([*CLI, "check", str(project)])
    assert current.returncode == 0, current.stderr
    assert f"current: template {template} at {v1[:12]} (v1.0)" in current.stdout

    v1_1 = _release_v1_1(template)
    lagging = run([*CLI, "check", str(project)])
    assert lagging.returncode == 1
    assert f"recorded {v1[:12]} (v1.0), latest {v1_1[:12]} (v1.1)" in lagging.stdout


def test_diff_is_empty_for_an_untouched_project(history) -> None:
    _, project = history
    result = run([*CLI, "diff", str(project)])
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_diff_shows_exactly_the_local_changes(history) -> None:
    template, project = history
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("## Work on it", "## Work on it (our way)"))
    (project / "NOTES.md").write_text("team notes\n")
    (project / "Makefile").unlink()
    _release_v1_1(template)  # the diff is against the recorded commit, not the latest
    result = run([*CLI, "diff", str(project)])
    assert result.returncode == 0, result.stderr
    changed = [line for line in result.stdout.splitlines() if line.startswith("diff --git")]
    assert changed == [
        "diff --git a/Makefile b/Makefile",
        "diff --git a/NOTES.md b/NOTES.md",
        "diff --git a/README.md b/README.md",
    ]
    assert "+## Work on it (our way)" in result.stdout
    assert "Template v1.1" not in result.stdout


def test_check_without_metadata_is_invalid_input(tmp_path: Path) -> None:
    result = run([*CLI, "check", str(tmp_path)])
    assert result.returncode == 2
    assert ".cruft.json" in result.stderr
