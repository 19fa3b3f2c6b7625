"""``mlopscutter status``: where a fleet of projects stands against its template.

For each project: the template commit it records (and its tags), how many template commits it
is behind, whether it has drifted from what the template renders for its answers, and its org
profile. Each template repository is cloned once, however many projects use it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlopscutter.errors import MlopscutterError
from mlopscutter.merge import read_tree
from mlopscutter.profile import PROFILE_CONTEXT_KEY
from mlopscutter.updates import (
    IGNORED,
    first_commit,
    git,
    project_state,
    recorded_answers,
    recorded_profile_document,
    render_at,
)


@dataclass
class ProjectStatus:
    """One project's standing; ``error`` says why the rest is unknown."""

    project: str
    template: str | None = None
    recorded: str | None = None
    recorded_tags: list[str] = field(default_factory=list)
    latest: str | None = None
    latest_tags: list[str] = field(default_factory=list)
    behind: int | None = None
    drifted_files: list[str] = field(default_factory=list)
    profile: str | None = None
    error: str | None = None


def fleet_status(project_dirs: list[Path]) -> list[ProjectStatus]:
    """The status of each project directory, in the order given."""
    with _Clones() as clones:
        return [_status(directory, clones) for directory in project_dirs]


def _status(directory: Path, clones: _Clones) -> ProjectStatus:
    status = ProjectStatus(project=str(directory))
    try:
        state = project_state(directory)
        status.template, status.recorded = state["template"], state["commit"]
        profile = state["context"]["cookiecutter"].get(PROFILE_CONTEXT_KEY)
        if isinstance(profile, dict) and profile:
            status.profile = f"{profile.get('name')}@{profile.get('version')}"
        repo = clones.get(state["template"])
        latest = _latest(repo, state.get("checkout"))
        status.latest = latest
        status.recorded_tags = _tags(repo, status.recorded)
        status.latest_tags = _tags(repo, latest)
        status.behind = int(git("rev-list", "--count", f"{status.recorded}..{latest}", cwd=repo))
        status.drifted_files = _drift(directory, repo, state)
    except MlopscutterError as error:
        status.error = str(error)
    return status


def _drift(directory: Path, repo: Path, state: dict[str, Any]) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="mlopscutter-status-") as tmp:
        checkout = Path(tmp) / "template"
        git("worktree", "add", "--quiet", "--detach", str(checkout), state["commit"], cwd=repo)
        try:
            rendered = render_at(
                checkout,
                recorded_answers(state, checkout),
                Path(tmp) / "out",
                recorded_profile_document(state),
            )
            ignored = frozenset(IGNORED)
            expected, actual = read_tree(rendered, ignored), read_tree(directory, ignored)
        finally:
            git("worktree", "remove", "--force", str(checkout), cwd=repo)
    return sorted(p for p in set(expected) | set(actual) if expected.get(p) != actual.get(p))


def _latest(repo: Path, checkout: str | None) -> str:
    refs = [f"refs/heads/{checkout}", f"refs/tags/{checkout}"] if checkout else ["HEAD"]
    commit = first_commit(repo, refs)
    if commit is None:
        raise MlopscutterError(f"the template has no branch or tag {checkout!r}")
    return commit


def _tags(repo: Path, commit: str) -> list[str]:
    return sorted(git("tag", "--points-at", commit, cwd=repo).split())


class _Clones:
    """Bare clones of template repositories, one per template, removed on exit."""

    def __init__(self) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="mlopscutter-clones-"))
        self._by_template: dict[str, Path] = {}

    def __enter__(self) -> _Clones:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self._root, ignore_errors=True)

    def get(self, template: str) -> Path:
        if template not in self._by_template:
            destination = self._root / str(len(self._by_template))
            result = subprocess.run(
                ["git", "clone", "--quiet", "--bare", template, str(destination)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise MlopscutterError(f"cannot clone template {template}: {result.stderr.strip()}")
            self._by_template[template] = destination
        return self._by_template[template]


def as_json(statuses: list[ProjectStatus]) -> str:
    """The statuses as a JSON array of objects (one per project)."""
    return json.dumps([asdict(s) for s in statuses], indent=2) + "\n"


def as_table(statuses: list[ProjectStatus]) -> str:
    """The statuses as an aligned text table."""
    header = ("PROJECT", "TEMPLATE", "BEHIND", "DRIFT", "PROFILE")
    rows = [header]
    for s in statuses:
        if s.error is not None:
            rows.append((s.project, "error: " + s.error, "", "", ""))
            continue
        assert s.recorded is not None and s.latest is not None
        recorded = _label(s.recorded, s.recorded_tags)
        behind = (
            "current"
            if s.behind == 0
            else f"{s.behind} commit(s), latest {_label(s.latest, s.latest_tags)}"
        )
        drift = f"{len(s.drifted_files)} file(s)" if s.drifted_files else "none"
        rows.append((s.project, recorded, behind, drift, s.profile or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
        + "  "
        + row[-1]
        + "\n"
        for row in rows
    )


def _label(commit: str, tags: list[str]) -> str:
    return f"{commit[:12]} ({', '.join(tags)})" if tags else commit[:12]
