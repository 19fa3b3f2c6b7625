"""cookiecutter, cruft and mlopscutter produce identical trees for identical answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mlopscutter.main import render_project
from mlopscutter.template import is_installed_template
from tests.helpers import BIN, REPO_ROOT, make_template_repo, read_tree, render, run

ANSWERS = {
    "project_name": "Three Paths",
    "deployment_strategy": "linear",
    "linear_step_percent": "50",
    "retrain_schedule": "rate(7 days)",
    "description": 'Quotes "and" colons: #hash',
}


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the checkout's template (cruft clones templates with git)."""
    return make_template_repo(tmp_path_factory.mktemp("template"))


def test_three_paths_give_identical_trees(template_repo: Path, tmp_path: Path) -> None:
    pairs = [f"{k}={v}" for k, v in ANSWERS.items()]
    cookiecutter = run(
        [
            str(BIN / "cookiecutter"),
            str(template_repo),
            "--no-input",
            "-o",
            str(tmp_path / "cookiecutter"),
            *pairs,
        ]
    )
    assert cookiecutter.returncode == 0, cookiecutter.stderr
    cruft = run(
        [
            str(BIN / "cruft"),
            "create",
            str(template_repo),
            "--no-input",
            "--output-dir",
            str(tmp_path / "cruft"),
            "--extra-context",
            json.dumps(ANSWERS),
        ]
    )
    assert cruft.returncode == 0, cruft.stderr
    answers = tmp_path / "answers.yaml"
    answers.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in ANSWERS.items()))
    ours = run(
        [
            sys.executable,
            "-m",
            "mlopscutter",
            "new",
            str(template_repo),
            "--answers",
            str(answers),
            "--no-input",
            "-o",
            str(tmp_path / "mlopscutter"),
        ]
    )
    assert ours.returncode == 0, ours.stderr
    # The template this installation carries: its hook code runs in-process, not as scripts.
    assert is_installed_template(REPO_ROOT)
    render(ANSWERS, tmp_path / "installed")

    trees = {
        name: read_tree(tmp_path / name / "three-paths")
        for name in ("cookiecutter", "cruft", "mlopscutter", "installed")
    }
    without_metadata = {
        name: {k: v for k, v in tree.items() if k != ".cruft.json"} for name, tree in trees.items()
    }
    assert without_metadata["cookiecutter"] == without_metadata["mlopscutter"]
    assert without_metadata["cruft"] == without_metadata["mlopscutter"]
    assert without_metadata["installed"] == without_metadata["mlopscutter"]
    assert len(without_metadata["mlopscutter"]) > 30
    for name, tree in trees.items():
        state = json.loads(tree[".cruft.json"])
        assert state["context"]["cookiecutter"]["deployment_strategy"] == "linear", name


def test_cruft_check_and_diff_work_on_our_metadata(template_repo: Path, tmp_path: Path) -> None:
    created = run(
        [
            sys.executable,
            "-m",
            "mlopscutter",
            "new",
            str(template_repo),
            "--no-input",
            "-o",
            str(tmp_path),
        ]
    )
    assert created.returncode == 0, created.stderr
    project = tmp_path / "customer-churn"
    state = json.loads((project / ".cruft.json").read_text())
    assert state["template"] == str(template_repo)
    assert len(state["commit"]) == 40
    check = run([str(BIN / "cruft"), "check"], cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nLocal note.\n")
    diff = run([str(BIN / "cruft"), "diff"], cwd=project)
    assert diff.returncode == 0, diff.stderr
    # cruft diffs the project against the template: only the local edit shows up.
    changed = [line for line in diff.stdout.splitlines() if line.startswith("diff --git")]
    assert changed == ["diff --git upstream-template-old/README.md upstream-template-new/README.md"]
    assert "-Local note." in diff.stdout


def test_a_template_other_than_the_installed_one_runs_its_own_hook_scripts(
    tmp_path: Path,
) -> None:
    """The installation's own template runs its hook code in-process; any other template (here
    a copy whose post-generation script leaves a mark) runs its own scripts, so a template
    commit renders with that commit's logic."""
    template = make_template_repo(tmp_path / "template")
    hook = template / "hooks" / "post_gen_project.py"
    lines = hook.read_text().splitlines(keepends=True)
    hook.write_text(lines[0] + 'open("hook-scripts-ran", "w").close()\n' + "".join(lines[1:]))
    assert is_installed_template(REPO_ROOT)
    assert not is_installed_template(template)

    project = render_project({}, tmp_path / "out", str(template), no_input=True)

    assert (project / "hook-scripts-ran").is_file()
    assert not (project / "dags").exists()  # pruned by the script: no Airflow by default
