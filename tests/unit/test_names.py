"""Every derived AWS name fits its service's length and pattern, for the longest slug and the
longest org naming prefix."""

from __future__ import annotations

import pytest

from mlopscutter.context import build_context
from mlopscutter.names import RULES, fit, name_problems
from mlopscutter.options import default_answers, parse_options


@pytest.mark.parametrize("ci_provider", ["codepipeline", "github-actions"])
@pytest.mark.parametrize("branch_model", ["github-flow", "gitflow"])
@pytest.mark.parametrize("slug", ["abc", "a" * 32, "a1-" * 10 + "zz"])
@pytest.mark.parametrize("prefix", ["", "p", "p" + "9" * 9])
def test_derived_names_fit(slug, ci_provider, branch_model, prefix) -> None:
    answers = {
        **default_answers(),
        "project_slug": slug,
        "ci_provider": ci_provider,
        "branch_model": branch_model,
    }
    if prefix:
        answers["org_profile"] = {"name": "org", "version": "1", "naming_prefix": prefix}
    context = build_context(parse_options(answers))
    names = context.aws_names()
    assert set(names) == set(RULES)
    assert name_problems(names) == []
    base = f"{prefix}-{slug}" if prefix else slug
    assert context.name_base == base
    # Every name starts with the prefix and slug, or (shortened) with as much of them as fits.
    for kind, values in names.items():
        for value in values:
            start = value.removeprefix("alias/").removeprefix("/aws/vendedlogs/states/")
            assert start.startswith(base) or base.startswith(start[:-9].rstrip("-")), (kind, value)


def test_the_check_finds_an_overflow_and_a_bad_character() -> None:
    problems = name_problems({"iam-role": ["r" * 65], "events-rule": ["bad name"]})
    assert len(problems) == 2
    assert "65 characters; at most 64" in problems[0]
    assert "does not match" in problems[1]


def test_fit_shortens_deterministically() -> None:
    long_name = "x" * 70 + "-role"
    short = fit(long_name, 64)
    assert len(short) == 64 and short == fit(long_name, 64)
    assert fit(long_name.replace("x", "y", 1), 64) != short
    assert fit("short", 64) == "short"
    assert not RULES["iam-role"].problems(short)
