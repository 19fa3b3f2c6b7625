"""The branch models, as computed once for every template."""

from __future__ import annotations

import pytest

from mlopscutter.branching import branch_policy

STAGES = ("staging", "prod")


def test_github_flow() -> None:
    policy = branch_policy("github-flow", STAGES)
    (main,) = policy.rules
    assert (main.pattern, main.deploys, main.protected, main.linear_history) == (
        "main",
        STAGES,
        True,
        True,
    )
    assert policy.default_branch == "main"
    assert [r.pattern for r in policy.pull_request_targets] == ["main"]
    assert policy.ci_push_branches == ()
    assert policy.model_approval_deploys == STAGES


def test_gitflow() -> None:
    policy = branch_policy("gitflow", STAGES)
    deploys = {rule.pattern: rule.deploys for rule in policy.rules}
    assert deploys == {
        "develop": ("staging",),
        "release/*": ("staging",),
        "main": ("prod",),
        "hotfix/*": (),
        "feature/*": (),
    }
    assert [r.pattern for r in policy.protected] == ["develop", "release/*", "main"]
    assert [r.pattern for r in policy.ci_push_branches] == ["hotfix/*", "feature/*"]
    assert not any(rule.linear_history for rule in policy.rules)  # merge commits by design
    assert policy.default_branch == "develop"
    assert policy.model_approval_deploys == ("staging",)
    assert [(stages, [r.pattern for r in rules]) for stages, rules in policy.deploy_groups()] == [
        (("staging",), ["develop", "release/*"]),
        (("prod",), ["main"]),
    ]


def test_patterns_render_for_each_consumer() -> None:
    release = next(r for r in branch_policy("gitflow", STAGES).rules if r.pattern == "release/*")
    assert release.ref == "refs/heads/release/*"
    assert release.ref_regex == "^refs/heads/release/[^/]+$"
    assert release.github_condition == "startsWith(github.ref, 'refs/heads/release/')"
    main = branch_policy("github-flow", STAGES).rules[0]
    assert main.github_condition == "github.ref == 'refs/heads/main'"


def test_unknown_model_is_an_error() -> None:
    with pytest.raises(ValueError, match="trunk"):
        branch_policy("trunk", STAGES)
