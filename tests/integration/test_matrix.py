"""The pairwise matrix over every option: each row renders, every linter is clean (0 errors,
0 warnings), no template syntax is left, and every structured file parses; checkov passes on
every rendered CloudFormation template of the matrix and the examples."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from mlopscutter.errors import ValidationErrors
from mlopscutter.lint import lint_report
from mlopscutter.matrix import pairwise_answers, uncovered_pairs
from mlopscutter.options import OPTION_SPECS, default_answers, fill_derived_defaults, parse_options
from mlopscutter.security_lint import run_checkov
from tests.helpers import example_names, render, render_example, template_syntax_left

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


def test_checkov_passes_on_every_rendered_template(rendered) -> None:
    directories = [project / "infra" for project in rendered.values()]
    findings = run_checkov(directories, next(iter(rendered.values())).parent.parent)
    assert not isinstance(findings, str), f"not run: {findings}"
    assert findings == [], "\n".join(map(str, findings))
