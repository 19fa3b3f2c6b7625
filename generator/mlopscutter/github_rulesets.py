"""Repository rulesets, in GitHub's REST API format, derived from the branch policy.

Protected branches: no deletion, no force-push, changes through reviewed pull requests (a code
owner's review included) that pass exactly the checks CI reports; linear history where the
branch model merges by squash or rebase. Release tags (gitflow) cannot be moved or deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlopscutter.branching import BranchRule

if TYPE_CHECKING:
    from mlopscutter.context import ProjectContext

REQUIRED_APPROVALS = 1
# Short-lived protected branches (gitflow's release/*) are deleted once merged: repository
# administrators (the RepositoryRole whose id is 5) may bypass their ruleset to do so.
REPOSITORY_ADMINS = {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}


def ruleset_file_name(rule: BranchRule) -> str:
    """``main`` for main, ``release`` for ``release/*``."""
    return rule.pattern.split("/")[0]


def branch_ruleset(rule: BranchRule, checks: tuple[str, ...]) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [{"type": "deletion"}, {"type": "non_fast_forward"}]
    if rule.linear_history:
        rules.append({"type": "required_linear_history"})
    rules.append(
        {
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": REQUIRED_APPROVALS,
                "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": True,
                "require_last_push_approval": True,
                "required_review_thread_resolution": True,
            },
        }
    )
    rules.append(
        {
            "type": "required_status_checks",
            "parameters": {
                "strict_required_status_checks_policy": True,
                "required_status_checks": [{"context": check} for check in checks],
            },
        }
    )
    return {
        "name": f"protect {rule.pattern}",
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": [REPOSITORY_ADMINS] if rule.is_pattern else [],
        "conditions": {"ref_name": {"include": [rule.ref], "exclude": []}},
        "rules": rules,
    }


def release_tag_ruleset(pattern: str) -> dict[str, Any]:
    return {
        "name": f"protect release tags {pattern}",
        "target": "tag",
        "enforcement": "active",
        "bypass_actors": [],
        "conditions": {"ref_name": {"include": [f"refs/tags/{pattern}"], "exclude": []}},
        "rules": [{"type": "deletion"}, {"type": "non_fast_forward"}, {"type": "update"}],
    }


def rulesets(context: ProjectContext) -> dict[str, dict[str, Any]]:
    """Every ruleset of the project by file name (``.github/rulesets/<name>.json``)."""
    documents = {
        ruleset_file_name(rule): branch_ruleset(rule, context.ci_checks)
        for rule in context.branches.protected
    }
    if context.tags_releases:
        documents["release-tags"] = release_tag_ruleset(context.release_tag_pattern)
    return documents
