"""Keeping a project in step with its template: ``check`` (does it lag?) and ``diff`` (what did
the project change against the template at its recorded commit and answers?).

Both read the project's ``.cruft.json`` and ask git about the template, so they work for a
template given as a local checkout or as a remote git URL, as cruft does.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlopscutter.errors import (
    InvalidInputError,
    MlopscutterError,
    ProjectNotFoundError,
    TemplateUnreachableError,
)
from mlopscutter.metadata import CRUFT_FILE, read_cruft_file
from mlopscutter.profile import PROFILE_CONTEXT_KEY

# Paths that are the project's own machinery, never template output.
IGNORED = (
    ".git",
    ".venv",
    ".venv-checkov",
    "build",
    ".pytest_cache",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    CRUFT_FILE,
)


@dataclass(frozen=True)
class CheckResult:
    """Where the project stands against its template."""

    template: str
    recorded: str
    latest: str
    recorded_tags: tuple[str, ...]
    latest_tags: tuple[str, ...]

    @property
    def current(self) -> bool:
        return self.recorded == self.latest

    def describe(self) -> str:
        def label(commit: str, tags: tuple[str, ...]) -> str:
            return f"{commit[:12]} ({', '.join(tags)})" if tags else commit[:12]

        if self.current:
            return f"current: template {self.template} at {label(self.latest, self.latest_tags)}"
        return (
            f"lags its template {self.template}: recorded "
            f"{label(self.recorded, self.recorded_tags)}, latest "
            f"{label(self.latest, self.latest_tags)}; run `mlopscutter update`"
        )


def git(*args: str, cwd: Path | None = None) -> str:
    """``git args`` in ``cwd``; its standard output.

    :raises TemplateUnreachableError: when git fails (its message kept).
    """
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TemplateUnreachableError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def first_commit(repo: Path, candidates: Iterable[str]) -> str | None:
    """The commit the first of ``candidates`` (refs or commits) names in ``repo``, or None."""
    for candidate in candidates:
        result = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return result.stdout.strip()
    return None


def project_state(project_dir: Path) -> dict[str, Any]:
    """The project's ``.cruft.json``.

    :raises ProjectNotFoundError: when it has none.
    :raises InvalidInputError: when it records no template commit.
    """
    if not (project_dir / CRUFT_FILE).is_file():
        raise ProjectNotFoundError(
            f"PROJECT_DIR={str(project_dir)!r} has no {CRUFT_FILE}; allowed: a project created "
            "from this template (by mlopscutter, cruft or cookiecutter)"
        )
    state = read_cruft_file(project_dir)
    if not state.get("commit"):
        raise InvalidInputError(
            f"{CRUFT_FILE} records no template commit (the template was not a git checkout "
            "when the project was created); allowed: a project created from a git template"
        )
    return state


def _remote_refs(template: str) -> dict[str, str]:
    """ref name -> commit, as ``git ls-remote`` reports them (peeled tags win)."""
    refs: dict[str, str] = {}
    for line in git("ls-remote", template).splitlines():
        commit, _, ref = line.partition("\t")
        refs[ref.removesuffix("^{}")] = commit
    return refs


def check(project_dir: Path) -> CheckResult:
    """Compare the project's recorded template commit with the template's latest commit (of
    the recorded checkout, else of its default branch).

    :raises ProjectNotFoundError: when the directory has no ``.cruft.json``.
    :raises TemplateUnreachableError: when git cannot read the template.
    """
    state = project_state(project_dir)
    template, checkout = state["template"], state.get("checkout")
    refs = _remote_refs(template)
    if checkout:
        candidates = [checkout, f"refs/heads/{checkout}", f"refs/tags/{checkout}"]
        latest = next((refs[c] for c in candidates if c in refs), None)
    else:
        latest = refs.get("HEAD")
    if latest is None:
        raise TemplateUnreachableError(f"template {template} has no ref {checkout or 'HEAD'}")

    def tags_of(commit: str) -> tuple[str, ...]:
        return tuple(
            sorted(
                ref.removeprefix("refs/tags/")
                for ref, c in refs.items()
                if ref.startswith("refs/tags/") and c == commit
            )
        )

    recorded = state["commit"]
    return CheckResult(template, recorded, latest, tags_of(recorded), tags_of(latest))


@contextmanager
def template_at(template: str, commit: str) -> Iterator[Path]:
    """A temporary clone of ``template`` checked out at ``commit``."""
    workdir = Path(tempfile.mkdtemp(prefix="mlopscutter-template-"))
    try:
        clone = workdir / "template"
        git("clone", "--quiet", template, str(clone))
        git("checkout", "--quiet", commit, cwd=clone)
        yield clone
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def render_recorded(project_dir: Path, output_dir: Path) -> Path:
    """The project as its template renders it at the recorded commit with the recorded
    answers, into ``output_dir``; returns the rendered project directory."""
    state = project_state(project_dir)
    with template_at(state["template"], state["commit"]) as clone:
        return render_at(
            clone, recorded_answers(state, clone), output_dir, recorded_profile_document(state)
        )


def recorded_answers(state: dict[str, Any], template_dir: Path) -> dict[str, Any]:
    """The answers recorded in ``state`` for the options ``template_dir`` declares."""
    spec = json.loads((template_dir / "cookiecutter.json").read_text(encoding="utf-8"))
    recorded = state["context"]["cookiecutter"]
    return {
        k: v
        for k, v in recorded.items()
        if k in spec and not k.startswith("_") and k != PROFILE_CONTEXT_KEY
    }


def recorded_profile_document(state: dict[str, Any]) -> dict[str, Any] | None:
    """The org profile recorded in a project's ``.cruft.json``, or None."""
    document = state["context"]["cookiecutter"].get(PROFILE_CONTEXT_KEY)
    return document if isinstance(document, dict) and document else None


def render_at(
    template_dir: Path,
    answers: dict[str, Any],
    output_dir: Path,
    profile: dict[str, Any] | None = None,
) -> Path:
    """Render the template checked out in ``template_dir`` with ``answers`` (no prompts) and
    the org ``profile`` document, if any, into ``output_dir``; returns the rendered project
    directory.

    Rendering runs in a child process with that checkout's own ``generator/`` first on the
    path, so a template commit renders with the logic of that same commit.

    :raises InvalidInputError: when that template rejects the answers (its message kept).
    :raises MlopscutterError: when rendering fails otherwise.
    """
    output_dir = output_dir.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    answers_file = output_dir / ".answers.json"
    answers_file.write_text(json.dumps(answers), encoding="utf-8")
    profile_args = []
    if profile:
        profile_file = output_dir / ".profile.json"  # JSON is YAML
        profile_file.write_text(json.dumps(profile), encoding="utf-8")
        profile_args = ["--profile", str(profile_file)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(template_dir / "generator"), str(template_dir)]),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mlopscutter.cli import main; main()",
            "new",
            str(template_dir),
            "--answers",
            str(answers_file),
            "--no-input",
            "-o",
            str(output_dir),
            *profile_args,
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    for scratch in (answers_file, output_dir / ".profile.json"):
        scratch.unlink(missing_ok=True)
    message = result.stderr.strip().removeprefix("mlopscutter: error: ")
    if result.returncode == 2:
        raise InvalidInputError(message)
    if result.returncode != 0:
        raise MlopscutterError(f"rendering the template failed: {message[-800:]}")
    created = result.stdout.strip().rsplit("created ", 1)[-1]
    return Path(created)


def _tree(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not any(part in IGNORED for part in path.relative_to(root).parts)
    )


def diff(project_dir: Path) -> str:
    """The project's changes against its template at the recorded commit and answers, as a
    git-style unified diff (template side ``a/``, project side ``b/``); empty when none."""
    with tempfile.TemporaryDirectory(prefix="mlopscutter-diff-") as tmp:
        rendered = render_recorded(project_dir, Path(tmp) / "rendered")
        return unified_diff(rendered, project_dir)


def unified_diff(template_tree: Path, project_tree: Path) -> str:
    """A git-style unified diff from ``template_tree`` to ``project_tree``."""
    left, right = set(_tree(template_tree)), set(_tree(project_tree))
    chunks = []
    for relative in sorted(left | right):
        old = (template_tree / relative).read_bytes() if relative in left else None
        new = (project_tree / relative).read_bytes() if relative in right else None
        if old == new:
            continue
        header = [f"diff --git a/{relative} b/{relative}\n"]
        if old is None:
            header.append("new file\n")
        elif new is None:
            header.append("deleted file\n")
        try:
            old_lines = (old or b"").decode("utf-8").splitlines(keepends=True)
            new_lines = (new or b"").decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            chunks.append("".join(header) + f"Binary files a/{relative} and b/{relative} differ\n")
            continue
        body = difflib.unified_diff(
            old_lines,
            new_lines,
            "/dev/null" if old is None else f"a/{relative}",
            "/dev/null" if new is None else f"b/{relative}",
        )
        chunks.append(
            "".join(header)
            + "".join(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                for line in body
            )
        )
    return "".join(chunks)
