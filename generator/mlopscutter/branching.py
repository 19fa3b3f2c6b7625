"""The branch model: which branches deploy which stages, run CI, and are protected.

Computed once here and used by every template that needs it (CodePipeline triggers, GitHub
Actions ``on:`` filters and job conditions, rulesets, the README).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BRANCH = "main"
DEVELOP_BRANCH = "develop"
RELEASE_TAG_PATTERN = "v*"


@dataclass(frozen=True)
class BranchRule:
    """One branch, or a branch pattern whose ``*`` matches within one path segment, as in
    GitHub rulesets, GitHub Actions filters and CodePipeline trigger filters alike."""

    pattern: str
    deploys: tuple[str, ...] = ()
    protected: bool = False
    linear_history: bool = False
    ci_on_push: bool = False

    @property
    def is_pattern(self) -> bool:
        return "*" in self.pattern

    @property
    def ref(self) -> str:
        """The fully qualified ref (pattern), as rulesets write it."""
        return f"refs/heads/{self.pattern}"

    @property
    def github_condition(self) -> str:
        """A GitHub Actions expression true when the workflow runs on this branch."""
        if self.is_pattern:
            prefix = self.ref.split("*", 1)[0]
            return f"startsWith(github.ref, '{prefix}')"
        return f"github.ref == '{self.ref}'"

    @property
    def ref_regex(self) -> str:
        """The ref as an anchored regular expression (CodeBuild webhook filters)."""
        return "^refs/heads/" + self.pattern.replace("*", "[^/]+") + "$"


@dataclass(frozen=True)
class BranchPolicy:
    """Every branch rule of one branch model."""

    model: str
    rules: tuple[BranchRule, ...]
    integration_branch: str

    @property
    def default_branch(self) -> str:
        """The repository's default branch: where pull requests go by default, where
        repository_dispatch runs, and what a new clone checks out."""
        return self.integration_branch

    @property
    def protected(self) -> tuple[BranchRule, ...]:
        return tuple(rule for rule in self.rules if rule.protected)

    @property
    def deploying(self) -> tuple[BranchRule, ...]:
        return tuple(rule for rule in self.rules if rule.deploys)

    @property
    def pull_request_targets(self) -> tuple[BranchRule, ...]:
        """Branches whose pull requests run CI: every protected branch."""
        return self.protected

    @property
    def ci_push_branches(self) -> tuple[BranchRule, ...]:
        return tuple(rule for rule in self.rules if rule.ci_on_push)

    def branches_deploying(self, stage: str) -> tuple[BranchRule, ...]:
        return tuple(rule for rule in self.rules if stage in rule.deploys)

    def deploy_groups(self) -> tuple[tuple[tuple[str, ...], tuple[BranchRule, ...]], ...]:
        """Branches grouped by the stages they deploy, in order: one CodePipeline each."""
        groups: dict[tuple[str, ...], list[BranchRule]] = {}
        for rule in self.deploying:
            groups.setdefault(rule.deploys, []).append(rule)
        return tuple((stages, tuple(rules)) for stages, rules in groups.items())

    @property
    def model_approval_deploys(self) -> tuple[str, ...]:
        """Stages an approved model rolls through without a code change: those of the
        integration branch (github-flow: staging then prod; gitflow: staging, and prod with
        the next release)."""
        return next(r.deploys for r in self.rules if r.pattern == self.integration_branch)


def branch_policy(model: str, stages: tuple[str, ...]) -> BranchPolicy:
    """The policy of ``model`` ("github-flow" or "gitflow") over the ordered ``stages``."""
    first, last = stages[0], stages[-1]
    if model == "github-flow":
        return BranchPolicy(
            model,
            (BranchRule(DEFAULT_BRANCH, deploys=stages, protected=True, linear_history=True),),
            integration_branch=DEFAULT_BRANCH,
        )
    if model == "gitflow":
        return BranchPolicy(
            model,
            (
                BranchRule(DEVELOP_BRANCH, deploys=(first,), protected=True),
                BranchRule("release/*", deploys=(first,), protected=True),
                BranchRule(DEFAULT_BRANCH, deploys=(last,), protected=True),
                BranchRule("hotfix/*", ci_on_push=True),
                BranchRule("feature/*", ci_on_push=True),
            ),
            integration_branch=DEVELOP_BRANCH,
        )
    raise ValueError(f"unknown branch model {model!r}")
