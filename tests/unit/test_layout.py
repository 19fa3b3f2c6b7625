"""The layout table decides which paths exist."""

from __future__ import annotations

import dataclasses

from mlopscutter.layout import LAYOUT, prune, pruned_paths
from mlopscutter.options import default_answers, parse_options


def test_codepipeline_keeps_buildspecs_and_drops_workflows() -> None:
    options = parse_options(default_answers())
    assert pruned_paths(options) == [".github/workflows"]


def test_github_actions_would_drop_codepipeline_files() -> None:
    # ci_provider=github-actions is rejected by validation until it is delivered; the table
    # already knows which files belong to each provider.
    options = dataclasses.replace(parse_options(default_answers()), ci_provider="github-actions")
    assert pruned_paths(options) == ["buildspecs", "infra/cicd.yaml"]


def test_prune_removes_files_and_folders(tmp_path) -> None:
    (tmp_path / "buildspecs").mkdir()
    (tmp_path / "buildspecs" / "build.yml").write_text("x")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "cicd.yaml").write_text("x")
    (tmp_path / "infra" / "model-service.yaml").write_text("x")
    options = dataclasses.replace(parse_options(default_answers()), ci_provider="github-actions")
    assert prune(tmp_path, options) == ["buildspecs", "infra/cicd.yaml"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["infra", "model-service.yaml"]


def test_every_rule_has_a_reason() -> None:
    assert all(rule.reason for rule in LAYOUT)
