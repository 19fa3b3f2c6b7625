"""GitHub-side delivery, for every provider and branch model: OIDC trust scoped to the
repository and its environment or branch; rulesets that require exactly the checks CI reports;
workflows clean under actionlint, zizmor and GitHub's workflow schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import decode

from mlopscutter.lint import lint_report
from tests.helpers import example_answers, render

COMBINATIONS = [
    (ci, branches)
    for ci in ("codepipeline", "github-actions")
    for branches in ("github-flow", "gitflow")
]
REPOSITORY = "acme/churn-model"
SUB = "token.actions.githubusercontent.com:sub"
AUD = "token.actions.githubusercontent.com:aud"


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    rendered = {}
    for ci, branches in COMBINATIONS:
        out = tmp_path_factory.mktemp(f"{ci}-{branches}")
        rendered[(ci, branches)] = render(
            {"ci_provider": ci, "branch_model": branches, "github_repository": REPOSITORY}, out
        )
    return rendered


def _template(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert not matches and template is not None
    return template


def trust_problems(template: dict[str, Any], repository: str) -> list[str]:
    """Why the template's OIDC role trust policies are not scoped to ``repository`` and one
    environment or branch (empty when they are)."""
    problems = []
    roles = {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    if not roles:
        return ["no roles"]
    for name, role in roles.items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
                problems.append(f"{name}: not a web-identity trust")
                continue
            conditions = statement.get("Condition", {})
            if set(conditions) != {"StringEquals"}:
                problems.append(f"{name}: conditions {sorted(conditions)} (StringEquals only)")
                continue
            equals = conditions["StringEquals"]
            if equals.get(AUD) != "sts.amazonaws.com":
                problems.append(f"{name}: aud is {equals.get(AUD)!r}")
            subjects = equals.get(SUB)
            subjects = [subjects] if isinstance(subjects, str) else subjects or []
            if not subjects:
                problems.append(f"{name}: no sub condition")
            for subject in subjects:
                scope = subject.removeprefix(f"repo:{repository}:")
                if (
                    subject == scope
                    or "*" in subject
                    or "?" in subject
                    or not (scope.startswith("environment:") or scope.startswith("ref:refs/heads/"))
                ):
                    problems.append(
                        f"{name}: sub {subject!r} is not scoped to the repository "
                        "and an environment or branch"
                    )
    return problems


@pytest.mark.parametrize("branches", ["github-flow", "gitflow"])
def test_oidc_roles_trust_only_this_repository_and_environment(projects, branches) -> None:
    template = _template(projects[("github-actions", branches)] / "infra" / "github-oidc.yaml")
    assert trust_problems(template, REPOSITORY) == []
    subjects = {
        name: r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"][
            "StringEquals"
        ][SUB]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Role"
    }
    integration = "main" if branches == "github-flow" else "develop"
    assert subjects == {
        "TrainRole": [f"repo:{REPOSITORY}:ref:refs/heads/{integration}"],
        "StagingDeployRole": [f"repo:{REPOSITORY}:environment:staging"],
        "ProductionDeployRole": [f"repo:{REPOSITORY}:environment:production"],
    }


@pytest.mark.parametrize(
    "mutation",
    [
        ("drop sub", lambda eq: eq.pop(SUB)),
        ("wildcard sub", lambda eq: eq.__setitem__(SUB, [f"repo:{REPOSITORY}:*"])),
        (
            "other repository",
            lambda eq: eq.__setitem__(SUB, ["repo:evil/fork:environment:staging"]),
        ),
        ("whole repository", lambda eq: eq.__setitem__(SUB, [f"repo:{REPOSITORY}"])),
        ("drop aud", lambda eq: eq.pop(AUD)),
    ],
)
def test_trust_check_fails_on_a_loosened_policy(projects, mutation) -> None:
    template = copy.deepcopy(
        _template(projects[("github-actions", "github-flow")] / "infra" / "github-oidc.yaml")
    )
    role = template["Resources"]["StagingDeployRole"]
    mutation[1](
        role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]
    )
    assert trust_problems(template, REPOSITORY), mutation[0]


def _reported_checks(project: Path, ci: str) -> set[str]:
    """The names CI reports on pull requests, read from the rendered CI definitions."""
    if ci == "github-actions":
        workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
        assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
        return {job.get("name", job_id) for job_id, job in workflow["jobs"].items()}
    template = _template(project / "infra" / "cicd.yaml")
    source = template["Resources"]["PullRequestCheckProject"]["Properties"]["Source"]
    assert source["ReportBuildStatus"] is True
    return {source["BuildStatusConfig"]["Context"]}


@pytest.mark.parametrize(("ci", "branches"), COMBINATIONS)
def test_rulesets_require_exactly_the_checks_ci_reports(projects, ci, branches) -> None:
    project = projects[(ci, branches)]
    reported = _reported_checks(project, ci)
    rulesets = [json.loads(p.read_text()) for p in (project / ".github/rulesets").glob("*.json")]
    branch_rulesets = [r for r in rulesets if r["target"] == "branch"]
    expected = {
        "github-flow": ["refs/heads/main"],
        "gitflow": ["refs/heads/develop", "refs/heads/main", "refs/heads/release/*"],
    }
    assert (
        sorted(r["conditions"]["ref_name"]["include"][0] for r in branch_rulesets)
        == expected[branches]
    )
    for ruleset in branch_rulesets:
        rules = {rule["type"]: rule.get("parameters") for rule in ruleset["rules"]}
        required = {c["context"] for c in rules["required_status_checks"]["required_status_checks"]}
        assert required == reported, ruleset["name"]
        assert {"deletion", "non_fast_forward", "pull_request"} <= set(rules)
        assert rules["pull_request"]["require_code_owner_review"] is True
        assert ("required_linear_history" in rules) == (branches == "github-flow")
    tag_rulesets = [r for r in rulesets if r["target"] == "tag"]
    assert len(tag_rulesets) == (branches == "gitflow")


@pytest.mark.parametrize("branches", ["github-flow", "gitflow"])
def test_workflows_are_clean_under_every_workflow_linter(projects, branches) -> None:
    report = lint_report(projects[("github-actions", branches)])
    assert report.skipped == [], "a workflow linter is missing; run `make install`"
    assert report.findings == []


def test_workflow_linters_find_real_problems(projects, tmp_path) -> None:
    project = projects[("github-actions", "github-flow")]
    workflow = project / ".github/workflows/deploy.yml"
    original = workflow.read_text()
    try:
        workflow.write_text(
            original.replace(
                "make deploy-params", 'echo "${{ github.event.pull_request.title }}"'
            ).replace(
                "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4"
            )
        )
        rules = {f.rule for f in lint_report(project).findings}
    finally:
        workflow.write_text(original)
    assert {"zizmor template-injection", "zizmor unpinned-uses", "actionlint expression"} <= rules


def test_every_action_is_pinned_to_a_full_sha_with_its_version(projects) -> None:
    import re

    for branches in ("github-flow", "gitflow"):
        for path in (projects[("github-actions", branches)] / ".github/workflows").glob("*.yml"):
            for line in path.read_text().splitlines():
                if "uses:" in line:
                    assert re.search(
                        r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line
                    ), line


def test_id_token_permission_only_where_a_role_is_assumed(projects) -> None:
    for branches in ("github-flow", "gitflow"):
        for path in (projects[("github-actions", branches)] / ".github/workflows").glob("*.yml"):
            workflow = yaml.safe_load(path.read_text())
            assert workflow["permissions"] == {}
            for job_id, job in workflow["jobs"].items():
                assumes_role = any(
                    "configure-aws-credentials" in step.get("uses", "") for step in job["steps"]
                )
                assert ("id-token" in job["permissions"]) == assumes_role, (path.name, job_id)


def test_deployments_of_one_environment_never_overlap(projects) -> None:
    workflow = yaml.safe_load(
        (projects[("github-actions", "gitflow")] / ".github/workflows/deploy.yml").read_text()
    )
    for job in workflow["jobs"].values():
        if "environment" in job:
            assert job["concurrency"] == {
                "group": f"deploy-{job['environment']}",
                "cancel-in-progress": False,
            }


def test_examples_render_their_provider(tmp_path) -> None:
    project = render(example_answers("github-actions-gitflow"), tmp_path)
    assert (project / ".github/workflows/deploy.yml").is_file()
    assert not (project / "buildspecs").exists()


def test_gitflow_on_codepipeline_tags_each_production_release(projects) -> None:
    template = _template(projects[("codepipeline", "gitflow")] / "infra" / "cicd.yaml")
    resources = template["Resources"]
    prod = resources["DeployProductionPipeline"]["Properties"]
    last_stage = prod["Stages"][-1]
    tag = next(a for a in last_stage["Actions"] if a["Name"] == "ReleaseTag")
    assert tag["RunOrder"] == 2  # after the deployment action of the same stage
    assert json.loads(tag["Configuration"]["EnvironmentVariables"]) == [
        {"name": "GITHUB_SHA", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}
    ]
    environment = resources["ReleaseTagProject"]["Properties"]["Environment"]
    token = next(v for v in environment["EnvironmentVariables"] if v["Name"] == "GITHUB_TOKEN")
    assert token == {
        "Name": "GITHUB_TOKEN",
        "Type": "SECRETS_MANAGER",
        "Value": {"Ref": "ReleaseTokenSecret"},
    }
    assert (
        "ReleaseTagProject"
        not in _template(projects[("codepipeline", "github-flow")] / "infra" / "cicd.yaml")[
            "Resources"
        ]
    )


@pytest.mark.parametrize("branches", ["github-flow", "gitflow"])
def test_no_access_keys_anywhere_in_delivery(projects, branches) -> None:
    project = projects[("github-actions", branches)]
    delivery = [
        *(project / ".github").rglob("*"),
        *(project / "infra").rglob("*"),
        project / "Makefile",
        project / "README.md",
    ]
    for path in delivery:
        if path.is_file():
            text = path.read_text().lower()
            for key in (
                "aws-access-key-id",
                "aws_access_key_id",
                "aws-secret-access-key",
                "aws_secret_access_key",
                "secrets.",
            ):
                assert key not in text, (path.relative_to(project), key)
