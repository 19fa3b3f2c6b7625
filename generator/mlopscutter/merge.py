"""Three-way merge of file trees: the template as it was (``base``), the template as it is now
(``theirs``) and the project as the team left it (``ours``).

The merge is planned in memory and decided file by file; text conflicts are written with git's
standard conflict markers by ``git merge-file``. Nothing here touches the project: the caller
applies the resulting tree.
"""

from __future__ import annotations

import difflib
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

# Two files are a rename when at least this share of their lines match (git's default -M50%).
RENAME_SIMILARITY = 0.5


@dataclass(frozen=True)
class Entry:
    """One file of a tree: its bytes and whether it is executable."""

    content: bytes
    executable: bool = False


Tree = Mapping[str, Entry]


def read_tree(
    root: Path, ignored: frozenset[str], paths: Iterable[str] | None = None
) -> dict[str, Entry]:
    """Every file under ``root`` (or only ``paths``, relative to it) by POSIX relative path,
    skipping any path with a part in ``ignored``. Symbolic links are read as the files they
    point to."""
    candidates = root.rglob("*") if paths is None else (root / p for p in paths)
    tree = {}
    for path in candidates:
        relative = path.relative_to(root)
        if path.is_file() and not ignored.intersection(relative.parts):
            tree[relative.as_posix()] = Entry(path.read_bytes(), bool(path.stat().st_mode & 0o111))
    return tree


class Outcome(Enum):
    """What the merge did to one path of the project."""

    ADDED = "added"  # new in the template
    UPDATED = "updated"  # changed in the template, untouched here
    MERGED = "merged"  # changed on both sides, without overlap
    CONFLICT = "conflict"  # changed on both sides, overlapping: git conflict markers
    REMOVED = "removed"  # removed from the template, untouched here
    KEPT_EDITED = "kept-edited"  # removed from the template, but edited here: kept
    KEPT_DELETED = "kept-deleted"  # changed in the template, but deleted here: stays deleted


@dataclass
class MergeResult:
    """The project's tree after the merge, and what happened to each path that changed."""

    tree: dict[str, Entry]
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[str]:
        return sorted(p for p, o in self.outcomes.items() if o is Outcome.CONFLICT)


def detect_renames(base: Tree, theirs: Tree) -> dict[str, str]:
    """Files the template moved: ``old path -> new path`` for each file that left ``base`` and
    a file new in ``theirs`` whose lines are at least :data:`RENAME_SIMILARITY` alike, best
    matches first (exact copies before similar ones), each file paired at most once."""
    removed = sorted(set(base) - set(theirs))
    added = sorted(set(theirs) - set(base))
    candidates: list[tuple[float, str, str]] = []
    for old in removed:
        old_lines = base[old].content.splitlines()
        for new in added:
            if base[old].content == theirs[new].content:
                candidates.append((2.0, old, new))
                continue
            matcher = difflib.SequenceMatcher(None, old_lines, theirs[new].content.splitlines())
            if matcher.real_quick_ratio() >= RENAME_SIMILARITY:
                ratio = matcher.ratio()
                if ratio >= RENAME_SIMILARITY:
                    candidates.append((ratio, old, new))
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for _, old, new in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if old not in renames and new not in taken:
            renames[old] = new
            taken.add(new)
    return renames


def _moved(tree: Tree, renames: Mapping[str, str]) -> dict[str, Entry]:
    moved = dict(tree)
    for old, new in renames.items():
        if old in moved and new not in moved:
            moved[new] = moved.pop(old)
    return moved


def merge_trees(
    base: Tree,
    theirs: Tree,
    ours: Tree,
    renames: Mapping[str, str],
    labels: tuple[str, str, str] = ("project", "template (recorded)", "template (target)"),
) -> MergeResult:
    """Merge the template's change from ``base`` to ``theirs`` into ``ours``.

    ``renames`` (old path -> new path) are files the template moved: the project's copy moves
    with them and is merged at its new place. ``labels`` name ours, base and theirs in
    conflict markers.
    """
    base_moved = _moved(base, renames)
    ours_moved = _moved(ours, renames)
    result = MergeResult(tree=dict(ours_moved), renames={})
    for old, new in renames.items():
        if old in ours and new not in ours:
            result.renames[old] = new
    for path in sorted(set(base_moved) | set(theirs) | set(ours_moved)):
        b, t, o = base_moved.get(path), theirs.get(path), ours_moved.get(path)
        if t == b:
            continue
        if t is None:
            if o is None:
                continue
            if o == b:
                del result.tree[path]
                result.outcomes[path] = Outcome.REMOVED
            else:
                result.outcomes[path] = Outcome.KEPT_EDITED
            continue
        if o is None:
            if b is None:
                result.tree[path] = t
                result.outcomes[path] = Outcome.ADDED
            else:
                result.outcomes[path] = Outcome.KEPT_DELETED
            continue
        if o == t:
            continue
        if o == b:
            result.tree[path] = t
            result.outcomes[path] = Outcome.UPDATED
            continue
        executable = t.executable if b is None or t.executable != b.executable else o.executable
        merged, clean = merge_file(o.content, b.content if b else b"", t.content, labels)
        result.tree[path] = Entry(merged, executable)
        result.outcomes[path] = Outcome.MERGED if clean else Outcome.CONFLICT
    return result


def merge_file(
    ours: bytes, base: bytes, theirs: bytes, labels: tuple[str, str, str]
) -> tuple[bytes, bool]:
    """``git merge-file`` on three versions of one file: the merged bytes (with standard
    conflict markers where the changes overlap) and whether it merged cleanly. A binary file
    that changed on both sides keeps the project's version and counts as a conflict."""
    if any(b"\0" in content for content in (ours, base, theirs)):
        return ours, False
    with tempfile.TemporaryDirectory(prefix="mlopscutter-merge-") as tmp:
        paths = []
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(content)
            paths.append(str(path))
        result = subprocess.run(
            [
                "git",
                "merge-file",
                "-p",
                "-L",
                labels[0],
                "-L",
                labels[1],
                "-L",
                labels[2],
                *paths,
            ],
            capture_output=True,
            check=False,
        )
    if result.returncode < 0 or result.returncode > 127:
        raise RuntimeError(f"git merge-file failed: {result.stderr.decode(errors='replace')}")
    return result.stdout, result.returncode == 0
