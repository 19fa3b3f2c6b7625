"""`mlopscutter status` over a fleet: template commit, how far behind, local drift, profile."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import git, run
from tests.template_history import CLI, SLUG, append, commit_all, create_project, release_v2


def test_status_of_a_fleet_as_table_and_json(template: Path, project: Path, tmp_path: Path) -> None:
    v1 = git("rev-parse", "HEAD", cwd=template).strip()
    append(project / "README.md", "\nOur addition.\n")
    (project / "NOTES.md").write_text("notes\n")
    commit_all(project, "our edits")
    v2 = release_v2(template)
    append(template / "docs" / "decisions.md", "\nOne more decision.\n")
    v3 = commit_all(template, "template v2.1")
    untouched = create_project(template, tmp_path / "later")  # created at v2.1, not edited

    result = run([*CLI, "status", str(project), str(untouched), "--json"])

    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)
    assert first["project"] == str(project)
    assert (first["recorded"], first["recorded_tags"]) == (v1, ["v1.0"])
    assert (first["latest"], first["behind"]) == (v3, 2)
    assert first["drifted_files"] == ["NOTES.md", "README.md"]
    assert first["profile"] is None
    assert first["error"] is None
    assert (second["recorded"], second["behind"], second["drifted_files"]) == (v3, 0, [])
    assert v2 != v3

    table = run([*CLI, "status", str(project), str(untouched)])
    assert table.returncode == 0, table.stderr
    header, row1, row2 = table.stdout.splitlines()
    assert header.split() == ["PROJECT", "TEMPLATE", "BEHIND", "DRIFT", "PROFILE"]
    assert f"{v1[:12]} (v1.0)" in row1
    assert f"2 commit(s), latest {v3[:12]}" in row1
    assert "2 file(s)" in row1
    assert row2.split()[1:] == [v3[:12], "current", "none", "-"]
    assert row1.index(v1[:12]) == header.index("TEMPLATE")


def test_a_directory_that_is_no_project_is_reported_and_exits_1(
    project: Path, tmp_path: Path
) -> None:
    result = run([*CLI, "status", str(project), str(tmp_path)])
    assert result.returncode == 1
    rows = result.stdout.splitlines()
    assert "current" in rows[1]
    assert f"PROJECT_DIR={str(tmp_path)!r} has no .cruft.json" in rows[2]
    assert SLUG in rows[1]
