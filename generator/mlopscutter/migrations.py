"""Versioned migrations: changes a template release makes that a three-way merge cannot infer.

They are declared in ``migrations.yaml`` at the template root, each with the template version
that introduced it, and run by ``mlopscutter update`` when an update crosses that version
(recorded version < migration version <= target version), oldest first::

    migrations:
      - version: "0.2.0"
        description: wait_minutes is now bake_minutes
        rename_option: {from: wait_minutes, to: bake_minutes}
      - version: "0.3.0"
        description: the runbook moved under docs/
        move_file: {from: RUNBOOK.md, to: docs/runbook.md}

``rename_option`` carries the recorded answer over to the new option name; ``move_file`` moves
the project's file (edits included) before the template's change is merged into it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from mlopscutter.errors import MigrationsFileError

MIGRATIONS_FILE = "migrations.yaml"
_KINDS = ("rename_option", "move_file")
_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


@dataclass(frozen=True)
class Migration:
    """One migration: the version that introduced it and what it renames or moves."""

    version: Version
    description: str
    kind: str
    source: str
    destination: str

    def describe(self) -> str:
        what = "rename option" if self.kind == "rename_option" else "move file"
        return f"{self.version}: {what} {self.source} -> {self.destination} ({self.description})"


def template_version(template_dir: Path) -> Version:
    """The version of the template checked out in ``template_dir`` (its generator package's
    ``__version__``); ``0`` for a template that declares none."""
    init = template_dir / "generator" / "mlopscutter" / "__init__.py"
    match = _VERSION.search(init.read_text(encoding="utf-8")) if init.is_file() else None
    try:
        return Version(match.group(1)) if match else Version("0")
    except InvalidVersion:
        return Version("0")


def load_migrations(template_dir: Path) -> list[Migration]:
    """The migrations ``template_dir`` declares, oldest first; none when it has no file.

    :raises MigrationsFileError: naming the entry and key that is wrong.
    """
    path = template_dir / MIGRATIONS_FILE
    if not path.is_file():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise MigrationsFileError(f"{MIGRATIONS_FILE}: not valid YAML: {error}") from error
    entries = document.get("migrations") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise MigrationsFileError(
            f"{MIGRATIONS_FILE}: key 'migrations' must be a list; allowed: a list of entries "
            "with version, description and one of " + ", ".join(_KINDS)
        )
    migrations = [_parse(index, entry) for index, entry in enumerate(entries)]
    return sorted(migrations, key=lambda m: m.version)


def _parse(index: int, entry: Any) -> Migration:
    where = f"{MIGRATIONS_FILE}: migrations[{index}]"
    if not isinstance(entry, dict):
        raise MigrationsFileError(f"{where} must be a mapping, got {entry!r}")
    try:
        version = Version(str(entry.get("version")))
    except InvalidVersion as error:
        raise MigrationsFileError(
            f"{where}.version={entry.get('version')!r} is not a version; allowed: e.g. '0.2.0'"
        ) from error
    kinds = [k for k in _KINDS if k in entry]
    unknown = sorted(set(entry) - {"version", "description", *_KINDS})
    if unknown or len(kinds) != 1:
        raise MigrationsFileError(
            f"{where} has keys {sorted(entry)}; allowed: version, description and exactly one "
            f"of {', '.join(_KINDS)}"
        )
    kind = kinds[0]
    change = entry[kind]
    if (
        not isinstance(change, dict)
        or set(change) != {"from", "to"}
        or not all(isinstance(v, str) and v for v in change.values())
    ):
        raise MigrationsFileError(
            f"{where}.{kind}={change!r}; allowed: a mapping {{from: NAME, to: NAME}}"
        )
    if kind == "move_file":
        for key in ("from", "to"):
            posix = PurePosixPath(change[key])
            if posix.is_absolute() or ".." in posix.parts:
                raise MigrationsFileError(
                    f"{where}.move_file.{key}={change[key]!r}; allowed: a path inside the "
                    "project, relative, without '..'"
                )
    return Migration(version, str(entry.get("description", "")), kind, change["from"], change["to"])


def crossed(migrations: list[Migration], recorded: Version, target: Version) -> list[Migration]:
    """The migrations an update from ``recorded`` to ``target`` crosses, oldest first."""
    return [m for m in migrations if recorded < m.version <= target]


def migrate_answers(answers: Mapping[str, Any], migrations: list[Migration]) -> dict[str, Any]:
    """``answers`` with every crossed option rename applied in order."""
    migrated = dict(answers)
    for migration in migrations:
        if migration.kind == "rename_option" and migration.source in migrated:
            migrated[migration.destination] = migrated.pop(migration.source)
    return migrated


def moved_files(migrations: list[Migration]) -> dict[str, str]:
    """Old path -> final path of every crossed file move (chained moves collapsed)."""
    moves: dict[str, str] = {}
    for migration in migrations:
        if migration.kind != "move_file":
            continue
        chained = False
        for old, new in list(moves.items()):
            if new == migration.source:
                moves[old] = migration.destination
                chained = True
        if not chained:
            moves[migration.source] = migration.destination
    return moves
