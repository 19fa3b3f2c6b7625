"""The org profile end to end: `new --profile` applies and records it, a contradiction writes
nothing, `lint` (and the generated project's own cfn-lint) enforce it on hand-edited projects,
cruft replays it, and `update` keeps applying it or applies a new version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from mlopscutter.lint import lint_project
from tests.helpers import BIN, EXAMPLES_DIR, git, run
from tests.template_history import CLI, commit_all

PROFILE = EXAMPLES_DIR / "profiles" / "acme-ml.yaml"
ANSWERS = EXAMPLES_DIR / "acme-ml.yaml"
BOUNDARY = "arn:aws:iam::111122223333:policy/acme-ml-workload-boundary"


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    created = run(
        [
            *CLI,
            "new",
            str(template),
            "--profile",
            str(PROFILE),
            "--answers",
            str(ANSWERS),
            "--no-input",
            "-o",
            str(tmp_path / "projects"),
        ]
    )
    assert created.returncode == 0, created.stderr
    directory = tmp_path / "projects" / "claims-triage"
    git("init", "-q", "-b", "main", cwd=directory)
    commit_all(directory, "created under acme-ml@3")
    return directory


def test_new_applies_and_records_the_profile(project: Path) -> None:
    context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert context["aws_region"] == "eu-west-1"  # a profile default
    assert context["ci_provider"] == "codepipeline"  # a lock
    assert context["org_profile"]["name"] == "acme-ml"
    assert context["org_profile"]["version"] == "3"
    assert "PermissionsBoundary" in (project / "infra" / "platform.yaml").read_text()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "ci_provider=github-actions",
            "[profile-locked] ci_provider='github-actions' contradicts the org profile acme-ml@3",
        ),
        (
            "training_instance_type=ml.p3.2xlarge",
            "[profile-allowed] training_instance_type='ml.p3.2xlarge' is not allowed",
        ),
    ],
)
def test_an_answer_against_the_profile_exits_2_and_writes_nothing(
    tmp_path: Path, answer: str, message: str
) -> None:
    result = run(
        [*CLI, "new", "--profile", str(PROFILE), "--no-input", "-o", str(tmp_path), answer]
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_bad_profile_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: org\nversion: '1'\nnaming_prefix: ACME\n")
    result = run([*CLI, "new", "--profile", str(bad), "--no-input", "-o", str(tmp_path / "o")])
    assert result.returncode == 2
    assert "profile bad.yaml: naming_prefix='ACME'; allowed: 1 to 10 lower-case" in result.stderr
    assert not (tmp_path / "o").exists()


def _hand_edit(project: Path) -> None:
    """Break the profile three ways, as a hand edit might."""
    platform = project / "infra" / "platform.yaml"
    text = platform.read_text()
    text = text.replace(f'      PermissionsBoundary: "{BOUNDARY}"\n', "", 1)
    text = text.replace(
        "Resources:\n",
        "Resources:\n  ExtraKey:\n    Type: AWS::KMS::Key\n    Properties:\n"
        "      EnableKeyRotation: true\n      KeyPolicy:\n        Version: '2012-10-17'\n"
        "        Statement:\n          - Effect: Allow\n            Principal:\n"
        "              AWS: !Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:root\n"
        "            Action: kms:*\n            Resource: '*'\n",
        1,
    )
    platform.write_text(text)
    retraining = project / "infra" / "retraining.yaml"
    lines = retraining.read_text().splitlines(keepends=True)
    index = lines.index('        - Key: "cost-center"\n')
    del lines[index : index + 2]
    retraining.write_text("".join(lines))


def _profile_findings(findings: list) -> set[tuple[str, str]]:
    return {
        (f.rule, f.message.split(" ")[0])
        for f in findings
        if f.rule in ("cfn-lint E9101", "cfn-lint E9102", "cfn-lint E9103")
    }


def test_lint_enforces_the_recorded_profile_on_a_hand_edited_project(project: Path) -> None:
    assert lint_project(project) == []
    _hand_edit(project)
    findings = _profile_findings(lint_project(project))
    assert findings == {
        ("cfn-lint E9102", "SageMakerExecutionRole"),
        ("cfn-lint E9103", "ExtraKey"),
        ("cfn-lint E9101", "ExtraKey"),
        ("cfn-lint E9101", "EventsRole"),
    }
    cli = run([*CLI, "lint", str(project)])
    assert cli.returncode == 1
    assert "[cfn-lint E9102] SageMakerExecutionRole (AWS::IAM::Role) has PermissionsBoundary" in (
        cli.stdout
    )


def test_the_generated_projects_own_cfn_lint_runs_the_same_rules(project: Path) -> None:
    """`make lint` in the project runs cfn-lint, which reads .cfnlintrc."""
    command = [str(BIN / "cfn-lint"), "--regions", "eu-west-1", "--", "infra/*.yaml"]
    clean = run(command, cwd=project)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _hand_edit(project)
    broken = run(command, cwd=project)
    assert broken.returncode != 0
    found = {
        (line.split(" ")[0], line.split(" ")[1])
        for line in broken.stdout.splitlines()
        if line.startswith("E91")
    }
    assert found == {
        ("E9102", "SageMakerExecutionRole"),
        ("E9103", "ExtraKey"),
        ("E9101", "ExtraKey"),
        ("E9101", "EventsRole"),
    }


def test_lint_with_a_profile_checks_a_project_made_without_one(tmp_path: Path) -> None:
    plain = run([*CLI, "new", "--no-input", "-o", str(tmp_path), "aws_region=eu-west-1"])
    assert plain.returncode == 0, plain.stderr
    project = tmp_path / "customer-churn"
    result = run([*CLI, "lint", str(project), "--profile", str(PROFILE)])
    assert result.returncode == 1
    assert "[cfn-lint E9102] SageMakerExecutionRole" in result.stdout
    assert "[cfn-lint E9103] ProjectKey creates a KMS key" in result.stdout
    assert "lacks the tag cost-center='ml-4711'" in result.stdout


def test_cruft_replays_the_recorded_profile(project: Path) -> None:
    diff = run([str(BIN / "cruft"), "diff", "--exit-code"], cwd=project)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert diff.stdout == ""


def test_update_keeps_applying_the_profile(template: Path, project: Path) -> None:
    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nTemplate v1.1.\n")
    commit_all(template, "template v1.1")
    result = run([*CLI, "update", str(project), "--no-input"])
    assert result.returncode == 0, result.stderr
    assert "Template v1.1." in (project / "README.md").read_text()
    assert "  update   README.md" in result.stdout
    assert len(result.stdout.splitlines()) == 3  # header, README, done: nothing else changed
    assert lint_project(project) == []


def test_a_new_profile_version_applies_like_an_update(project: Path, tmp_path: Path) -> None:
    document = yaml.safe_load(PROFILE.read_text())
    document["version"] = "4"
    document["required_tags"]["owner-team"] = "claims"
    document["locked"]["wait_minutes"] = 10
    new_profile = tmp_path / "acme-ml-4.yaml"
    new_profile.write_text(yaml.safe_dump(document))
    retraining = project / "infra" / "retraining.yaml"
    retraining.write_text(retraining.read_text() + "# our note\n")
    commit_all(project, "our note")

    dry = run([*CLI, "update", str(project), "--profile", str(new_profile), "--dry-run"])
    assert dry.returncode == 0, dry.stderr
    assert "org profile acme-ml@3 -> acme-ml@4" in dry.stdout
    assert "option wait_minutes: '5' -> 10 (locked by the org profile acme-ml@4)" in dry.stdout

    result = run([*CLI, "update", str(project), "--profile", str(new_profile), "--no-input"])
    assert result.returncode == 0, result.stderr
    state = json.loads((project / ".cruft.json").read_text())
    assert state["context"]["cookiecutter"]["org_profile"]["version"] == "4"
    assert str(state["context"]["cookiecutter"]["wait_minutes"]) == "10"
    text = retraining.read_text()
    assert text.endswith("# our note\n")  # the team's edit survived
    assert '- Key: "owner-team"' in text
    assert lint_project(project) == []
    # The recorded profile is the new one: lint enforces version 4.
    shutil.copy(project / "infra" / "retraining.yaml", tmp_path / "saved.yaml")
    retraining.write_text(text.replace('- Key: "owner-team"', '- Key: "other-team"'))
    assert any(f.rule == "cfn-lint E9101" for f in lint_project(project))


def test_status_names_the_profile(project: Path) -> None:
    result = run([*CLI, "status", str(project), "--json"])
    assert result.returncode == 0, result.stderr
    (status,) = json.loads(result.stdout)
    assert status["profile"] == "acme-ml@3"
    assert status["drifted_files"] == []  # re-rendered under its recorded profile
