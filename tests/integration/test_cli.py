"""The CLI contract: exit codes, messages on stderr, nothing written on bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, run

CLI = [sys.executable, "-m", "mlopscutter"]


def new(*args: str, **kwargs):
    """Run `mlopscutter new` on the checkout's template."""
    return run([*CLI, "new", str(REPO_ROOT), *args], **kwargs)


def test_new_with_answers_file_and_overrides(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("project_name: Price Model\nwait_minutes: 5\n")
    result = new(
        "--answers", str(answers), "--no-input", "-o", str(tmp_path / "out"), "owner=pricing-team"
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / "out" / "price-model"
    context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert (context["owner"], context["wait_minutes"]) == ("pricing-team", "5")
    assert "WaitIntervalInSeconds: 300" in (project / "infra/model-service.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["canary_percent=70"], ["canary_percent=70", "1 to 50", "[canary_percent-range]"]),
        (["retrain_schedule=rate(1 hours)"], ["retrain_schedule", "rate(1 hour)"]),
        (
            ["inference=batch", "batch_schedule=", "batch_on_new_data=no"],
            ["batch_schedule=''", "[batch-needs-trigger]"],
        ),
        (["aws_region=mars-1"], ["aws_region='mars-1'"]),
        (["nonsense"], ["'nonsense'", "key=value"]),
        (["colour=blue"], ["colour", "unknown option"]),
    ],
)
def test_invalid_input_exits_2_and_writes_nothing(tmp_path: Path, args, fragments) -> None:
    out = tmp_path / "out"
    result = new("--no-input", "-o", str(out), *args)
    assert result.returncode == 2
    for fragment in fragments:
        assert fragment in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_bad_answers_file_exits_2(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("- a\n- list\n")
    result = new("--answers", str(answers), "--no-input", "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "must be a YAML mapping" in result.stderr
    missing = run([*CLI, "new", "--answers", str(tmp_path / "nope.yaml"), "--no-input"])
    assert missing.returncode == 2 and "cannot read it" in missing.stderr


def test_existing_project_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "customer-churn").mkdir()
    (tmp_path / "customer-churn" / "mine.txt").write_text("keep")
    result = new("--no-input", "-o", str(tmp_path))
    assert result.returncode == 2 and "exists already" in result.stderr
    assert [p.name for p in (tmp_path / "customer-churn").iterdir()] == ["mine.txt"]


def test_template_without_cookiecutter_json_is_invalid(tmp_path: Path) -> None:
    result = run([*CLI, "new", str(tmp_path), "--no-input", "-o", str(tmp_path / "out")])
    assert result.returncode == 2 and "has no cookiecutter.json" in result.stderr


def test_lint_exit_codes(tmp_path: Path) -> None:
    created = new("--no-input", "-o", str(tmp_path))
    assert created.returncode == 0, created.stderr
    project = tmp_path / "customer-churn"
    clean = run([*CLI, "lint", str(project)])
    assert (clean.returncode, clean.stdout.strip()) == (0, "clean")
    template = project / "infra" / "model-service.yaml"
    template.write_text(
        template.read_text().replace("EndpointConfigName: !GetAtt", "EndpointConfigNam: !GetAtt")
    )
    dirty = run([*CLI, "lint", str(project)])
    assert dirty.returncode == 1
    assert "infra/model-service.yaml:" in dirty.stdout and "cfn-lint E" in dirty.stdout
    missing = run([*CLI, "lint", str(tmp_path / "nope")])
    assert missing.returncode == 2


def test_lint_takes_a_project_path_relative_to_where_it_runs(tmp_path: Path) -> None:
    """The workflow linters run from the project directory: a relative path given on the
    command line must still name the workflow files they audit."""
    created = new(
        "--no-input",
        "-o",
        str(tmp_path),
        "ci_provider=github-actions",
        "github_repository=acme/churn",
    )
    assert created.returncode == 0, created.stderr
    assert list((tmp_path / "customer-churn" / ".github" / "workflows").glob("*.yml"))
    result = run([*CLI, "lint", "customer-churn"], cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "clean"), result.stdout


def test_interactive_prompts_use_answers_as_defaults(tmp_path: Path) -> None:
    # Accept every prompt's default (empty lines) except the project name.
    prompts = len(json.loads((REPO_ROOT / "cookiecutter.json").read_text())["__prompts__"])
    stdin = "Interactive Model\n" + "\n" * (prompts - 1)
    result = run([*CLI, "new", str(REPO_ROOT), "-o", str(tmp_path), "owner=team-x"], input=stdin)
    assert result.returncode == 0, result.stderr
    context = json.loads((tmp_path / "interactive-model" / ".cruft.json").read_text())
    assert context["context"]["cookiecutter"]["owner"] == "team-x"
