"""The one table that decides which generated paths exist for a set of options."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlopscutter.options import Options


@dataclass(frozen=True)
class PathRule:
    """Paths matching ``pattern`` (relative to the project root) exist iff ``keep`` holds."""

    pattern: str
    keep: Callable[[Options], bool]
    reason: str


LAYOUT: tuple[PathRule, ...] = (
    PathRule(
        "buildspecs",
        lambda o: o.ci_provider == "codepipeline",
        "CodeBuild buildspecs serve the CodePipeline provider",
    ),
    PathRule(
        "infra/cicd.yaml", lambda o: o.ci_provider == "codepipeline", "the CodePipeline CI/CD stack"
    ),
    PathRule(
        ".github/workflows",
        lambda o: o.ci_provider == "github-actions",
        "GitHub Actions workflows serve the github-actions provider",
    ),
)


def pruned_paths(options: Options) -> list[str]:
    """Relative paths (files or folders) that the answers did not select."""
    return [rule.pattern for rule in LAYOUT if not rule.keep(options)]


def prune(project_dir: Path, options: Options) -> list[str]:
    """Remove the paths the answers did not select; returns those that existed."""
    removed = []
    for relative in pruned_paths(options):
        path = project_dir / PurePosixPath(relative)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(relative)
    return removed
