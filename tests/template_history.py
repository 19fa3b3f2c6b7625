"""Real template histories for the update and status tests: a template repository at v1.0, a
project created from it and committed to git, the team's edits over a year, and template v2.0
(changed, added, removed and renamed files, a new option, an option-renaming migration)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from mlopscutter.updates import render_at
from tests.helpers import git

CLI = [sys.executable, "-m", "mlopscutter"]
SLUG = "customer-churn"
PACKAGE = "customer_churn"
TEMPLATE_PROJECT = "{{cookiecutter.project_slug}}"


def commit_all(directory: Path, message: str) -> str:
    git("add", "-A", cwd=directory)
    git("commit", "-qm", message, cwd=directory)
    return git("rev-parse", "HEAD", cwd=directory).strip()


def create_project(template: Path, projects_dir: Path) -> Path:
    """A project created from ``template`` by the template's own code (wait_minutes=15, or
    bake_minutes once a release renamed it), committed to its own git repository."""
    declared = json.loads((template / "cookiecutter.json").read_text())
    wait = "bake_minutes" if "bake_minutes" in declared else "wait_minutes"
    directory = render_at(template, {wait: "15"}, projects_dir)
    git("init", "-q", "-b", "main", cwd=directory)
    commit_all(directory, "created from the template")
    return directory


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def team_edits(project: Path) -> None:
    """What a team does to its project in a year."""
    edit(project / "README.md", "## What was chosen", "## What was chosen (reviewed by us)")
    edit(project / "Makefile", "STAGE ?= staging", "STAGE ?= sandbox")  # template changes it too
    (project / "tests/e2e/test_stage.py").unlink()  # the template changes it
    (project / "NOTES.md").write_text("Our notes.\n")
    append(project / f"src/{PACKAGE}/github_api.py", "\n# our addition\n")  # template removes it
    append(
        project / "tests/unit/test_inference.py", "\n\ndef our_rows():\n    return [[0.5, 1.0]]\n"
    )
    append(project / "tests/integration/test_deploy.py", "\n# our note on the deploy tests\n")
    commit_all(project, "our edits")


def release_v2(template: Path) -> str:
    """Template v2.0: changed, added, removed and renamed files, a new option and a migration
    that renames wait_minutes to bake_minutes."""
    project = template / TEMPLATE_PROJECT
    append(project / "README.md", "\nTemplate v2 adds this line.\n")
    edit(project / "Makefile", "STAGE ?= staging", "STAGE ?= dev")
    append(project / "tests/e2e/test_stage.py", "\n# template v2 note\n")
    (project / "CHANGELOG.md").write_text("# Changelog\n\nStarted with template v2.\n")
    (project / ".pre-commit-config.yaml").unlink()
    (project / "src/{{ mlops(cookiecutter).package_name }}/github_api.py").unlink()
    (project / "tests/unit/test_inference.py").rename(project / "tests/unit/test_handler.py")
    (project / "tests/integration/test_deploy.py").rename(
        project / "tests/integration/test_registry.py"
    )
    append(project / "README.md", "Alarms go to: {{ cookiecutter.alarm_email | md }}\n")
    generator = template / "generator/mlopscutter"
    edit(
        generator / "options.py",
        "\nSPECS_BY_NAME",
        '\nOPTION_SPECS += (OptionSpec("alarm_email", "text", "", "Alarm e-mail"),)\n'
        "\nSPECS_BY_NAME",
    )
    edit(
        generator / "options.py",
        "    retrain_schedule: str\n",
        "    retrain_schedule: str\n    alarm_email: str\n",
    )
    for path in generator.glob("*.py"):
        # The option only: training_max_wait_minutes keeps its name.
        path.write_text(re.sub(r"\bwait_minutes\b", "bake_minutes", path.read_text()))
    edit(generator / "__init__.py", '__version__ = "0.1.0"', '__version__ = "0.2.0"')
    (template / "migrations.yaml").write_text(
        "migrations:\n"
        "  - version: '0.2.0'\n"
        "    description: wait_minutes is now bake_minutes\n"
        "    rename_option: {from: wait_minutes, to: bake_minutes}\n"
        "  - version: '0.2.0'\n"
        "    description: the registry tests have their own module\n"
        "    move_file:\n"
        "      from: tests/integration/test_deploy.py\n"
        "      to: tests/integration/test_registry.py\n"
    )
    # cookiecutter.json is generated from the declarations, by the template's own code.
    regenerated = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from mlopscutter import cookiecutter_json; "
            "cookiecutter_json.write(Path('.'))",
        ],
        cwd=template,
        env={**os.environ, "PYTHONPATH": str(template / "generator")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert regenerated.returncode == 0, regenerated.stderr
    commit = commit_all(template, "template v2")
    git("tag", "v2.0", cwd=template)
    return commit
