"""Versioned migrations: loading, validation and which ones an update crosses."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from mlopscutter.errors import MigrationsFileError
from mlopscutter.migrations import (
    crossed,
    load_migrations,
    migrate_answers,
    moved_files,
    template_version,
)
from tests.helpers import REPO_ROOT


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "migrations.yaml").write_text(text)
    return tmp_path


MIGRATIONS = """
migrations:
  - version: "0.3.0"
    description: second
    move_file: {from: b.md, to: c.md}
  - version: "0.2.0"
    description: first
    rename_option: {from: old, to: new}
  - version: "0.2.0"
    move_file: {from: a.md, to: b.md}
  - version: "0.4.0"
    rename_option: {from: new, to: newer}
"""


def test_the_templates_own_file_loads_and_its_version_is_read() -> None:
    assert load_migrations(REPO_ROOT) == []
    assert template_version(REPO_ROOT) > Version("0")


def test_a_template_without_a_file_has_no_migrations(tmp_path: Path) -> None:
    assert load_migrations(tmp_path) == []
    assert template_version(tmp_path) == Version("0")


def test_crossed_migrations_are_those_after_the_recorded_up_to_the_target(tmp_path: Path) -> None:
    migrations = load_migrations(write(tmp_path, MIGRATIONS))
    assert [str(m.version) for m in migrations] == ["0.2.0", "0.2.0", "0.3.0", "0.4.0"]
    chosen = crossed(migrations, Version("0.2.0"), Version("0.3.0"))
    assert [m.description for m in chosen] == ["second"]
    assert [m.version for m in crossed(migrations, Version("0.1.0"), Version("0.4.0"))] == [
        Version(v) for v in ("0.2.0", "0.2.0", "0.3.0", "0.4.0")
    ]
    assert crossed(migrations, Version("0.4.0"), Version("0.4.0")) == []


def test_option_renames_and_file_moves_chain(tmp_path: Path) -> None:
    migrations = load_migrations(write(tmp_path, MIGRATIONS))
    assert migrate_answers({"old": 5, "other": 1}, migrations) == {"newer": 5, "other": 1}
    assert moved_files(migrations) == {"a.md": "c.md"}
    later = crossed(migrations, Version("0.2.0"), Version("0.4.0"))
    assert moved_files(later) == {"b.md": "c.md"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("migrations: {}", "key 'migrations' must be a list"),
        ("migrations: [5]", "migrations[0] must be a mapping, got 5"),
        (
            "migrations: [{version: 'one', rename_option: {from: a, to: b}}]",
            "migrations[0].version='one' is not a version",
        ),
        (
            "migrations: [{version: '1', rename_option: {from: a, to: b}, move_file: {}}]",
            "exactly one of rename_option, move_file",
        ),
        ("migrations: [{version: '1', drop_option: a}]", "exactly one of"),
        (
            "migrations: [{version: '1', rename_option: {from: a}}]",
            "migrations[0].rename_option={'from': 'a'}; allowed: a mapping {from: NAME, to: NAME}",
        ),
        (
            "migrations: [{version: '1', move_file: {from: ../x, to: y}}]",
            "migrations[0].move_file.from='../x'; allowed: a path inside the project",
        ),
        (
            "migrations: [{version: '1', move_file: {from: x, to: /etc/y}}]",
            "migrations[0].move_file.to='/etc/y'",
        ),
        ("migrations: [", "not valid YAML"),
    ],
)
def test_a_malformed_file_names_the_entry_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MigrationsFileError) as raised:
        load_migrations(write(tmp_path, text))
    assert message in str(raised.value)
