"""`mlopscutter update` on real git histories: template v1.0 → project created → the team's edits
→ template v2.0 (changed, added, removed and renamed files, a new option, a migration) → update.

Every edit must survive; the conflicts must be exactly the overlapping edits.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlopscutter import update as update_module
from mlopscutter.update import update
from mlopscutter.updates import render_at
from tests.helpers import BIN, git, read_tree, run
from tests.template_history import (
    CLI,
    PACKAGE,
    append,
    commit_all,
    release_v2,
    team_edits,
)


def test_every_edit_survives_and_conflicts_are_exactly_the_overlapping_edits(
    template: Path, project: Path
) -> None:
    team_edits(project)
    v2 = release_v2(template)
    stage_config = (project / "infra/model-service.yaml").read_text()

    result = run([*CLI, "update", str(project), "--no-input"])

    assert result.returncode == 1, result.stderr  # a conflict is a finding
    lines = result.stdout.splitlines()
    assert "1 conflict(s): resolve the <<<<<<< markers in Makefile; then commit" in lines
    # Non-overlapping edits on both sides of the same file merge silently.
    readme = (project / "README.md").read_text()
    assert "## What was chosen (reviewed by us)" in readme
    assert "Template v2 adds this line." in readme
    assert "  merge    README.md" in lines
    # The overlapping edit is left with git's standard markers, both sides kept.
    makefile = (project / "Makefile").read_text()
    assert "<<<<<<< project\nSTAGE ?= sandbox\n=======\nSTAGE ?= dev\n>>>>>>> template" in makefile
    assert "  CONFLICT Makefile" in lines
    # Deleted here: stays deleted though the template changed it.
    assert not (project / "tests/e2e/test_stage.py").exists()
    assert "  skip     tests/e2e/test_stage.py" in lines
    # The team's new file is untouched; the template's new file arrives.
    assert (project / "NOTES.md").read_text() == "Our notes.\n"
    assert (project / "CHANGELOG.md").is_file()
    # Removed by the template: gone when untouched, kept (and reported) when edited here.
    assert not (project / ".pre-commit-config.yaml").exists()
    assert "  remove   .pre-commit-config.yaml" in lines
    assert (project / f"src/{PACKAGE}/github_api.py").read_text().endswith("# our addition\n")
    assert f"  keep     src/{PACKAGE}/github_api.py" in lines
    # Renamed by the template (detected, and declared by a migration): the edit follows.
    assert not (project / "tests/unit/test_inference.py").exists()
    assert "def our_rows():" in (project / "tests/unit/test_handler.py").read_text()
    assert "  rename   tests/unit/test_inference.py -> tests/unit/test_handler.py" in lines
    registry = project / "tests/integration/test_registry.py"
    assert registry.read_text().endswith("# our note on the deploy tests\n")
    assert not (project / "tests/integration/test_deploy.py").exists()
    # The migration renamed the recorded answer; the new option got its default.
    assert "migration 0.2.0: rename option wait_minutes -> bake_minutes" in result.stdout
    assert "new option alarm_email = '' (its default)" in lines
    state = json.loads((project / ".cruft.json").read_text())
    answers = state["context"]["cookiecutter"]
    assert state["commit"] == v2
    assert str(answers["bake_minutes"]) == "15"  # as it was recorded
    assert "wait_minutes" not in answers
    assert answers["alarm_email"] == ""
    # The renamed option kept its value: the model service (its bake time included) is
    # unchanged.
    assert (project / "infra/model-service.yaml").read_text() == stage_config
    assert not list(project.rglob("*.rej"))
    # Exactly the outcomes above, nothing else touched.
    changed = {
        line[3:].split(" -> ")[0]
        for line in git("status", "--porcelain", "--untracked-files=all", cwd=project).splitlines()
    }
    assert changed == {
        ".cruft.json",
        ".pre-commit-config.yaml",
        "CHANGELOG.md",
        "Makefile",
        "README.md",
        "tests/integration/test_deploy.py",
        "tests/integration/test_registry.py",
        "tests/unit/test_handler.py",
        "tests/unit/test_inference.py",
    }


def test_untouched_project_becomes_exactly_a_fresh_render_of_the_target(
    template: Path, project: Path, tmp_path: Path
) -> None:
    release_v2(template)
    result = run([*CLI, "update", str(project), "--no-input"])
    assert result.returncode == 0, result.stderr
    assert "updated; review with `git diff` and commit" in result.stdout

    # A fresh project from v2, rendered by v2's own code, with the migrated answers.
    fresh = render_at(template, {"bake_minutes": "15"}, tmp_path / "v2")
    expected = read_tree(fresh)
    actual = {k: v for k, v in read_tree(project).items() if not k.startswith(".git/")}
    assert actual == expected


def test_cruft_keeps_working_after_an_update(template: Path, project: Path) -> None:
    release_v2(template)
    assert run([*CLI, "update", str(project), "--no-input"]).returncode == 0
    commit_all(project, "update to template v2")
    check = run([str(BIN / "cruft"), "check"], cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    ours = run([*CLI, "check", str(project)])
    assert ours.returncode == 0
    assert "(v2.0)" in ours.stdout


def test_dry_run_prints_the_plan_and_touches_nothing(template: Path, project: Path) -> None:
    team_edits(project)
    release_v2(template)
    before = read_tree(project)

    result = run([*CLI, "update", str(project), "--dry-run", "--no-input"])

    assert result.returncode == 1, result.stderr  # the conflict it would leave
    assert result.stdout.startswith("dry run: updating customer-churn: template ")
    assert "  would CONFLICT Makefile" in result.stdout
    assert "  would merge    README.md" in result.stdout
    assert "1 conflict(s): Makefile" in result.stdout
    assert read_tree(project) == before


def test_a_dirty_tree_is_refused_and_untouched(template: Path, project: Path) -> None:
    release_v2(template)
    append(project / "README.md", "uncommitted\n")
    before = read_tree(project)
    result = run([*CLI, "update", str(project), "--no-input"])
    assert result.returncode == 2
    assert "has 1 uncommitted change(s) (README.md)" in result.stderr
    assert "allowed: a clean git tree" in result.stderr
    assert read_tree(project) == before


def test_a_project_outside_git_is_refused(template: Path, project: Path) -> None:
    release_v2(template)
    shutil.rmtree(project / ".git")
    result = run([*CLI, "update", str(project), "--no-input"])
    assert result.returncode == 2
    assert "is not in a git work tree" in result.stderr


def test_a_downgrade_is_refused(template: Path, project: Path) -> None:
    release_v2(template)
    assert run([*CLI, "update", str(project), "--no-input"]).returncode == 0
    commit_all(project, "update to template v2")
    before = read_tree(project)
    result = run([*CLI, "update", str(project), "--checkout", "v1.0", "--no-input"])
    assert result.returncode == 2
    assert "--checkout='v1.0'" in result.stderr
    assert "a downgrade is refused" in result.stderr
    assert read_tree(project) == before


def test_an_unknown_ref_is_invalid_input(template: Path, project: Path) -> None:
    result = run([*CLI, "update", str(project), "--checkout", "v9.9", "--no-input"])
    assert result.returncode == 2
    assert "--checkout='v9.9' is not a branch, tag or commit" in result.stderr


def test_an_up_to_date_project_is_left_alone(project: Path) -> None:
    before = read_tree(project)
    result = run([*CLI, "update", str(project), "--no-input"])
    assert result.returncode == 0, result.stderr
    assert "nothing to update" in result.stdout
    assert read_tree(project) == before


def test_new_options_can_be_answered_and_are_validated(template: Path, project: Path) -> None:
    release_v2(template)
    given = run([*CLI, "update", str(project), "--no-input", "alarm_email=ml@example.com"])
    assert given.returncode == 0, given.stderr
    assert "Alarms go to: ml@example.com" in (project / "README.md").read_text()
    assert "new option" not in given.stdout


def test_new_options_are_asked_for_when_a_prompt_is_given(template: Path, project: Path) -> None:
    release_v2(template)
    asked = []

    def ask(name: str, default: object) -> object:
        asked.append((name, default))
        return "oncall@example.com"

    result = update(project, ask=ask)
    assert asked == [("alarm_email", "")]
    assert result.new_options == {}
    assert "Alarms go to: oncall@example.com" in (project / "README.md").read_text()


def test_an_answer_the_target_rejects_is_invalid_and_nothing_changes(
    template: Path, project: Path
) -> None:
    release_v2(template)
    before = read_tree(project)
    result = run([*CLI, "update", str(project), "--no-input", "bake_minutes=600"])
    assert result.returncode == 2
    assert "bake_minutes" in result.stderr
    assert read_tree(project) == before


@pytest.mark.parametrize("failure", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failure_midway_leaves_the_project_as_it_was(
    template: Path, project: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    team_edits(project)
    release_v2(template)
    before = read_tree(project)
    writes = 0
    original = update_module._Transaction.write

    def failing_write(self, relative: str, content: bytes, executable: bool) -> None:
        nonlocal writes
        writes += 1
        if writes == 4:
            raise failure
        original(self, relative, content, executable)

    monkeypatch.setattr(update_module._Transaction, "write", failing_write)
    with pytest.raises(type(failure)):
        update(project)
    assert writes == 4
    assert read_tree(project) == before
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""


def test_cruft_update_continues_from_where_mlopscutter_update_left(
    template: Path, project: Path
) -> None:
    """Template v1.1 through `mlopscutter update`, then v1.2 through `cruft update`."""
    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    for version in ("1.1", "1.2"):
        readme.write_text(readme.read_text() + f"\nTemplate v{version} line.\n")
        commit_all(template, f"template v{version}")
        if version == "1.1":
            ours = run([*CLI, "update", str(project), "--no-input"])
            assert ours.returncode == 0, ours.stderr
            commit_all(project, "template v1.1 by mlopscutter update")
    cruft = run([str(BIN / "cruft"), "update", "-y"], cwd=project)
    assert cruft.returncode == 0, cruft.stdout + cruft.stderr
    text = (project / "README.md").read_text()
    assert text.count("Template v1.1 line.") == 1
    assert text.count("Template v1.2 line.") == 1
    head = git("rev-parse", "HEAD", cwd=template).strip()
    assert json.loads((project / ".cruft.json").read_text())["commit"] == head
