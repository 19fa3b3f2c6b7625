"""``mlopscutter update``: bring a project to a newer template commit without losing an edit.

The template is rendered twice with the project's recorded answers, at the recorded commit
(base) and at the target (theirs), each by that commit's own code; the template's change from
base to theirs is merged three-way into the project (ours). Migrations crossed on the way run
first; options that are new get their defaults (or are asked for). The whole result is computed
before the project is touched, then applied as one transaction that is rolled back on any
failure, Ctrl-C included. ``.cruft.json`` is rewritten so cruft keeps working.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from mlopscutter.errors import (
    DirtyProjectError,
    DowngradeError,
    InvalidInputError,
    TemplateUnreachableError,
    UnknownRefError,
)
from mlopscutter.merge import Entry, MergeResult, Outcome, detect_renames, merge_trees, read_tree
from mlopscutter.metadata import CRUFT_FILE, cruft_state, dumps, read_cruft_file
from mlopscutter.migrations import (
    Migration,
    crossed,
    load_migrations,
    migrate_answers,
    moved_files,
    template_version,
)
from mlopscutter.profile import PROFILE_CONTEXT_KEY, OrgProfile
from mlopscutter.updates import (
    IGNORED,
    first_commit,
    git,
    project_state,
    recorded_answers,
    recorded_profile_document,
    render_at,
)

AskNewOption = Callable[[str, Any], Any]


@dataclass
class UpdateResult:
    """What an update did (or, with ``dry_run``, would do) to one project."""

    project_dir: Path
    template: str
    recorded: str
    target: str
    recorded_version: Version
    target_version: Version
    dry_run: bool
    migrations: list[Migration] = field(default_factory=list)
    new_options: dict[str, Any] = field(default_factory=dict)
    removed_options: list[str] = field(default_factory=list)
    merge: MergeResult | None = None
    recorded_profile: str = ""
    target_profile: str = ""
    profile_changed: bool = False
    relocked: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        return self.recorded == self.target and not self.profile_changed

    @property
    def conflicts(self) -> list[str]:
        return self.merge.conflicts if self.merge else []

    def describe(self) -> str:
        """The report printed by the CLI."""
        if self.current:
            return f"already at template commit {self.target[:12]}; nothing to update\n"
        profile_change = (
            f"; org profile {self.recorded_profile or 'none'} -> {self.target_profile}"
            if self.profile_changed
            else ""
        )
        would = "would " if self.dry_run else ""
        lines = [
            f"{'dry run: ' if self.dry_run else ''}updating {self.project_dir.name}: template "
            f"{self.recorded[:12]} ({self.recorded_version}) -> {self.target[:12]} "
            f"({self.target_version}){profile_change}"
        ]
        lines += [f"migration {m.describe()}" for m in self.migrations]
        lines += [
            f"new option {name} = {value!r} (its default)"
            for name, value in self.new_options.items()
        ]
        lines += [f"option {name} is no longer used; dropped" for name in self.removed_options]
        lines += [
            f"option {name}: {old!r} -> {new!r} (locked by the org profile {self.target_profile})"
            for name, (old, new) in self.relocked.items()
        ]
        if self.merge is not None:
            for old, new in sorted(self.merge.renames.items()):
                lines.append(f"  {would}rename   {old} -> {new}")
            for path, outcome in sorted(self.merge.outcomes.items()):
                lines.append(f"  {would}{_VERBS[outcome]:<9}{path}")
        if self.conflicts:
            lines.append(
                f"{len(self.conflicts)} conflict(s): "
                + ("" if self.dry_run else "resolve the <<<<<<< markers in ")
                + ", ".join(self.conflicts)
                + ("" if self.dry_run else "; then commit")
            )
        elif not self.dry_run:
            lines.append("updated; review with `git diff` and commit")
        return "\n".join(lines) + "\n"


_VERBS = {
    Outcome.ADDED: "add",
    Outcome.UPDATED: "update",
    Outcome.MERGED: "merge",
    Outcome.CONFLICT: "CONFLICT",
    Outcome.REMOVED: "remove",
    Outcome.KEPT_EDITED: "keep",
    Outcome.KEPT_DELETED: "skip",
}


def update(
    project_dir: Path,
    checkout: str | None = None,
    *,
    dry_run: bool = False,
    answers: Mapping[str, Any] | None = None,
    ask: AskNewOption | None = None,
    profile: OrgProfile | None = None,
) -> UpdateResult:
    """Update ``project_dir`` to the template at ``checkout`` (default: the recorded branch,
    else the template's default branch). ``answers`` give values to options that are new since
    the recorded commit; ``ask`` is called for the others (without it they get defaults).
    The recorded org profile keeps applying; a new ``profile`` (or a new version of it) is
    applied like a template change, even at the same template commit. With ``dry_run`` the
    result is computed and nothing is written.

    :raises ProjectNotFoundError: when the directory has no ``.cruft.json``.
    :raises DirtyProjectError: when the project has uncommitted changes or no git.
    :raises DowngradeError: when the target is older than the recorded commit.
    :raises InvalidInputError: when the target template rejects the answers.
    :raises TemplateUnreachableError: when git cannot read the template or the ref.
    """
    project_dir = project_dir.resolve()
    state = project_state(project_dir)
    _require_clean_git(project_dir)
    with _template_clone(state["template"]) as clone:
        recorded = state["commit"]
        target = _resolve(clone, checkout or state.get("checkout") or "HEAD")
        if not _git_ok(clone, "cat-file", "-e", f"{recorded}^{{commit}}"):
            raise TemplateUnreachableError(
                f"the recorded template commit {recorded[:12]} is not in {state['template']}"
            )
        if target != recorded and _git_ok(clone, "merge-base", "--is-ancestor", target, recorded):
            raise DowngradeError(
                f"--checkout={checkout or state.get('checkout') or 'HEAD'!r} is commit "
                f"{target[:12]}, older than the project's template commit {recorded[:12]}; "
                f"allowed: {recorded[:12]} or a later commit (a downgrade is refused)"
            )
        base_dir, target_dir = clone / "base", clone / "target"
        for directory, commit in ((base_dir, recorded), (target_dir, target)):
            git(
                "worktree", "add", "--quiet", "--detach", str(directory), commit, cwd=clone / "repo"
            )
        base_profile = recorded_profile_document(state)
        target_profile = profile.as_document() if profile is not None else base_profile
        result = UpdateResult(
            project_dir,
            state["template"],
            recorded,
            target,
            template_version(base_dir),
            template_version(target_dir),
            dry_run,
            recorded_profile=_label(base_profile),
            target_profile=_label(target_profile),
            profile_changed=base_profile != target_profile,
        )
        if result.current:
            return result
        result.migrations = crossed(
            load_migrations(target_dir), result.recorded_version, result.target_version
        )
        base_answers = recorded_answers(state, base_dir)
        target_answers = _target_answers(base_answers, target_dir, result, answers or {}, ask)
        if profile is not None:
            for name, value in profile.locked.items():
                if name in (answers or {}) or str(target_answers.get(name)) == str(value):
                    continue
                if name in target_answers:
                    result.relocked[name] = (target_answers[name], value)
                target_answers[name] = value
        with ThreadPoolExecutor(max_workers=2) as pool:
            base_job = pool.submit(
                render_at, base_dir, base_answers, clone / "render-base", base_profile
            )
            target_job = pool.submit(
                render_at, target_dir, target_answers, clone / "render-new", target_profile
            )
            base_render, target_render = base_job.result(), target_job.result()
        target_context = read_cruft_file(target_render)["context"]["cookiecutter"]
        for name in result.new_options:
            result.new_options[name] = target_context.get(name)
        ignored = frozenset(IGNORED)
        base_tree, theirs = read_tree(base_render, ignored), read_tree(target_render, ignored)
        # The project's side is what git tracks (the tree is clean, so that is all of its own
        # files); what git ignores, such as virtual environments and data, is never touched.
        tracked = git("ls-files", "-z", cwd=project_dir).split("\0")
        ours = read_tree(project_dir, ignored, filter(None, tracked))
        renames = {**detect_renames(base_tree, theirs), **moved_files(result.migrations)}
        result.merge = merge_trees(
            base_tree,
            theirs,
            ours,
            renames,
            labels=(
                "project",
                f"template {recorded[:12]}",
                f"template {target[:12]}",
            ),
        )
        new_state = cruft_state(
            state["template"], target, target_context, checkout or state.get("checkout")
        )
        new_state["directory"] = state.get("directory")
        if not dry_run:
            _apply(project_dir, ours, result.merge.tree, dumps(new_state))
    return result


def _label(profile: dict[str, Any] | None) -> str:
    return f"{profile['name']}@{profile['version']}" if profile else ""


def _target_answers(
    base_answers: dict[str, Any],
    target_dir: Path,
    result: UpdateResult,
    given: Mapping[str, Any],
    ask: AskNewOption | None,
) -> dict[str, Any]:
    spec = json.loads((target_dir / "cookiecutter.json").read_text(encoding="utf-8"))
    declared = [name for name in spec if not name.startswith("_") and name != PROFILE_CONTEXT_KEY]
    migrated = migrate_answers(base_answers, result.migrations)
    result.removed_options = sorted(set(migrated) - set(declared))
    answers = {k: v for k, v in migrated.items() if k in declared}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise InvalidInputError(
            f"option(s) {', '.join(unknown)} are not declared by the template at "
            f"{result.target[:12]}; allowed: {', '.join(declared)}"
        )
    for name in declared:
        if name in given:
            answers[name] = given[name]
        elif name not in answers:
            default = spec[name]
            if ask is not None:
                value = ask(name, default)
                if value is not None:
                    answers[name] = value
                    continue
            result.new_options[name] = default
    return answers


def _apply(
    project_dir: Path, before: Mapping[str, Entry], after: Mapping[str, Entry], cruft: str
) -> None:
    """Make the project's files ``after`` (they are ``before`` now) and write ``.cruft.json``,
    all or nothing: on any failure, Ctrl-C included, every file is put back as it was."""
    writes = {p: e for p, e in after.items() if before.get(p) != e}
    deletes = sorted(set(before) - set(after))
    with _Transaction(project_dir) as transaction:
        for relative in deletes:
            transaction.delete(relative)
        for relative, entry in sorted(writes.items()):
            transaction.write(relative, entry.content, entry.executable)
        transaction.write(CRUFT_FILE, cruft.encode("utf-8"), False)


class _Transaction:
    """File writes and deletes under one root that are undone together on failure."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._backup = Path(tempfile.mkdtemp(prefix="mlopscutter-backup-"))
        self._saved: list[tuple[str, bool]] = []  # (path, existed before)
        self._created_dirs: list[Path] = []

    def __enter__(self) -> _Transaction:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if error is not None:
                self._rollback()
            else:
                self._prune_empty_dirs()
        finally:
            shutil.rmtree(self._backup, ignore_errors=True)

    def _save(self, relative: str) -> Path:
        path = self.root / relative
        existed = path.is_file()
        if existed:
            saved = self._backup / relative
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, saved)
        self._saved.append((relative, existed))
        return path

    def write(self, relative: str, content: bytes, executable: bool) -> None:
        path = self._save(relative)
        missing = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
        self._created_dirs.extend(reversed(missing))
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
        path.write_bytes(content)
        path.chmod(mode | 0o111 if executable else mode & ~0o111)

    def delete(self, relative: str) -> None:
        self._save(relative).unlink()

    def _rollback(self) -> None:
        for relative, existed in reversed(self._saved):
            path = self.root / relative
            if existed:
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self._backup / relative, path)
            else:
                path.unlink(missing_ok=True)
        for directory in reversed(self._created_dirs):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()

    def _prune_empty_dirs(self) -> None:
        for relative, _ in self._saved:
            for directory in (self.root / relative).parents:
                if directory == self.root or not directory.is_relative_to(self.root):
                    break
                if directory.is_dir() and not any(directory.iterdir()):
                    directory.rmdir()


def _require_clean_git(project_dir: Path) -> None:
    inside = subprocess.run(
        ["git", "-C", str(project_dir), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise DirtyProjectError(
            f"PROJECT_DIR={str(project_dir)!r} is not in a git work tree; allowed: a project "
            "under git with every change committed (git init && git add -A && git commit)"
        )
    status = subprocess.run(
        [
            "git",
            "-C",
            str(project_dir),
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            ".",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    if status:
        shown = ", ".join(line[3:] for line in status[:5]) + (" …" if len(status) > 5 else "")
        raise DirtyProjectError(
            f"PROJECT_DIR={str(project_dir)!r} has {len(status)} uncommitted change(s) "
            f"({shown}); allowed: a clean git tree (commit or stash them, then update)"
        )


@contextmanager
def _template_clone(template: str) -> Iterator[Path]:
    """A scratch directory holding ``repo/``, a clone of ``template`` without a checkout."""
    workdir = Path(tempfile.mkdtemp(prefix="mlopscutter-update-"))
    try:
        git("clone", "--quiet", "--no-checkout", template, str(workdir / "repo"), cwd=workdir)
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _resolve(workdir: Path, ref: str) -> str:
    commit = first_commit(workdir / "repo", (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref))
    if commit is not None:
        return commit
    raise UnknownRefError(
        f"--checkout={ref!r} is not a branch, tag or commit of the template; allowed: one of "
        "its branches, tags or commits"
    )


def _git_ok(workdir: Path, *args: str) -> bool:
    return (
        subprocess.run(
            ["git", "-C", str(workdir / "repo"), *args], capture_output=True, check=False
        ).returncode
        == 0
    )
