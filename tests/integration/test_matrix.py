"""The pairwise matrix over every option: each row renders, every linter is clean (0 errors,
0 warnings), no template syntax is left, and every structured file parses; checkov passes on
every rendered CloudFormation template of the matrix and the examples; the IAM and storage
audits of test_iam_policies hold on every row too."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import pytest
from cfnlint.decode import decode

from mlopscutter.errors import ValidationErrors
from mlopscutter.lint import lint_report
from mlopscutter.matrix import pairwise_answers, uncovered_pairs
from mlopscutter.options import OPTION_SPECS, default_answers, fill_derived_defaults, parse_options
from mlopscutter.security_lint import run_checkov
from tests.helpers import example_names, render, render_example, template_syntax_left
from tests.integration.test_github_delivery import trust_problems
from tests.integration.test_iam_policies import policy_problems, storage_problems

ROWS = pairwise_answers()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every matrix row and example, rendered once for this module."""
    root = tmp_path_factory.mktemp("matrix")
    projects = {f"row-{i}": render(answers, root / f"row-{i}") for i, answers in enumerate(ROWS)}
    projects.update({name: render_example(name, root / name) for name in example_names()})
    return projects


def test_matrix_covers_every_value_of_every_option() -> None:
    for spec in OPTION_SPECS:
        seen = {row[spec.name] for row in ROWS}
        assert seen == set(spec.matrix_values()), spec.name


def test_pairs_left_out_are_impossible() -> None:
    """A pair no row holds must break a rule on every row we could put it in."""
    carriers = [*ROWS, fill_derived_defaults(default_answers())]
    for a, va, b, vb in uncovered_pairs(ROWS):
        for row in carriers:
            with pytest.raises(ValidationErrors):
                parse_options({**row, a: va, b: vb})


@pytest.mark.parametrize("index", range(len(ROWS)))
def test_matrix_row_renders_clean(index: int, rendered, cfn_linters) -> None:
    answers = ROWS[index]
    project = rendered[f"row-{index}"]
    report = lint_report(project, cfn_linter=cfn_linters(answers["aws_region"]), checkov=False)
    assert report.skipped == [], "a linter is missing; run `make install`"
    assert report.findings == [], "\n".join(map(str, report.findings))
    for path in project.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert template_syntax_left(text, answers) == [], path.relative_to(project)
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix == ".toml":
            tomllib.loads(text)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == answers["description"]


def test_every_row_passes_the_policy_and_storage_audits(rendered) -> None:
    problems = {}
    for name, project in rendered.items():
        if not name.startswith("row-"):
            continue  # the examples are audited in test_iam_policies
        for path in sorted((project / "infra").glob("*.yaml")):
            template, matches = decode(str(path))
            assert not matches and template is not None, path
            found = policy_problems(template) + storage_problems(template)
            if found:
                problems[f"{name}/{path.name}"] = found
    assert problems == {}


def test_every_oidc_trust_is_scoped_to_the_repository(rendered) -> None:
    """Every GitHub OIDC role of every row and example trusts only its repository's
    environments or branches."""
    audited, problems = 0, {}
    for name, project in rendered.items():
        path = project / "infra" / "github-oidc.yaml"
        if not path.exists():
            continue
        answers = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
        template, matches = decode(str(path))
        assert not matches and template is not None, path
        audited += 1
        found = trust_problems(template, answers["github_repository"])
        if found:
            problems[name] = found
    assert problems == {}
    assert audited == sum(1 for p in rendered.values() if (p / ".github" / "workflows").is_dir())
    assert audited > 0


def test_checkov_passes_on_every_rendered_template(rendered) -> None:
    directories = [project / "infra" for project in rendered.values()]
    findings = run_checkov(directories, next(iter(rendered.values())).parent.parent)
    assert not isinstance(findings, str), f"not run: {findings}"
    assert findings == [], "\n".join(map(str, findings))
