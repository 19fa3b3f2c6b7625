"""The three-way tree merge, decided file by file."""

from __future__ import annotations

from mlopscutter.merge import Entry, Outcome, detect_renames, merge_file, merge_trees

LABELS = ("project", "old", "new")
LINES = "".join(f"line {n}\n" for n in range(1, 21))


def entry(text: str, executable: bool = False) -> Entry:
    return Entry(text.encode(), executable)


def test_merge_file_combines_edits_that_do_not_overlap() -> None:
    ours = LINES.replace("line 2\n", "line 2 (ours)\n")
    theirs = LINES.replace("line 19\n", "line 19 (theirs)\n")
    merged, clean = merge_file(ours.encode(), LINES.encode(), theirs.encode(), LABELS)
    assert clean
    assert merged.decode() == ours.replace("line 19\n", "line 19 (theirs)\n")


def test_merge_file_marks_overlapping_edits_with_git_markers() -> None:
    ours = LINES.replace("line 5\n", "line 5 (ours)\n")
    theirs = LINES.replace("line 5\n", "line 5 (theirs)\n")
    merged, clean = merge_file(ours.encode(), LINES.encode(), theirs.encode(), LABELS)
    assert not clean
    assert "<<<<<<< project\nline 5 (ours)\n=======\nline 5 (theirs)\n>>>>>>> new\n" in (
        merged.decode()
    )


def test_merge_file_keeps_ours_for_binary_files_changed_on_both_sides() -> None:
    merged, clean = merge_file(b"\0ours", b"\0base", b"\0theirs", LABELS)
    assert (merged, clean) == (b"\0ours", False)


def test_every_outcome_of_the_tree_merge() -> None:
    base = {
        "same.txt": entry("a\n"),
        "updated.txt": entry(LINES),
        "merged.txt": entry(LINES),
        "conflict.txt": entry(LINES),
        "removed.txt": entry("old\n"),
        "kept-edited.txt": entry("old\n"),
        "kept-deleted.txt": entry("old\n"),
        "deleted-here.txt": entry("x\n"),
        "converged.txt": entry("old\n"),
    }
    theirs = {
        "same.txt": entry("a\n"),
        "updated.txt": entry(LINES + "new\n"),
        "merged.txt": entry(LINES.replace("line 19\n", "theirs\n")),
        "conflict.txt": entry(LINES.replace("line 5\n", "theirs\n")),
        "kept-deleted.txt": entry("new\n"),
        "deleted-here.txt": entry("x\n"),
        "added.txt": entry("fresh\n", executable=True),
        "converged.txt": entry("same edit\n"),
    }
    ours = {
        "same.txt": entry("a, edited here\n"),
        "updated.txt": entry(LINES),
        "merged.txt": entry(LINES.replace("line 2\n", "ours\n")),
        "conflict.txt": entry(LINES.replace("line 5\n", "ours\n")),
        "removed.txt": entry("old\n"),
        "kept-edited.txt": entry("old, edited here\n"),
        "ours-only.txt": entry("mine\n"),
        "converged.txt": entry("same edit\n"),
    }
    result = merge_trees(base, theirs, ours, {}, LABELS)
    assert result.outcomes == {
        "updated.txt": Outcome.UPDATED,
        "merged.txt": Outcome.MERGED,
        "conflict.txt": Outcome.CONFLICT,
        "removed.txt": Outcome.REMOVED,
        "kept-edited.txt": Outcome.KEPT_EDITED,
        "kept-deleted.txt": Outcome.KEPT_DELETED,
        "added.txt": Outcome.ADDED,
    }
    assert result.conflicts == ["conflict.txt"]
    assert set(result.tree) == {
        "same.txt",
        "updated.txt",
        "merged.txt",
        "conflict.txt",
        "kept-edited.txt",
        "ours-only.txt",
        "added.txt",
        "converged.txt",
    }
    assert result.tree["same.txt"] == ours["same.txt"]
    assert result.tree["updated.txt"] == theirs["updated.txt"]
    assert result.tree["added.txt"].executable
    merged = result.tree["merged.txt"].content.decode()
    assert "ours\n" in merged
    assert "theirs\n" in merged


def test_a_file_added_on_both_sides_with_different_content_conflicts() -> None:
    result = merge_trees({}, {"new.txt": entry("theirs\n")}, {"new.txt": entry("ours\n")}, {})
    assert result.outcomes == {"new.txt": Outcome.CONFLICT}


def test_the_executable_bit_follows_the_template_when_it_changed() -> None:
    base = {"run.sh": entry(LINES)}
    theirs = {"run.sh": entry(LINES.replace("line 19\n", "x\n"), executable=True)}
    ours = {"run.sh": entry(LINES.replace("line 2\n", "y\n"))}
    assert merge_trees(base, theirs, ours, {}).tree["run.sh"].executable


def test_a_renamed_file_carries_the_projects_edit_to_its_new_path() -> None:
    base = {"old.py": entry(LINES)}
    theirs = {"new.py": entry(LINES.replace("line 19\n", "theirs\n"))}
    ours = {"old.py": entry(LINES.replace("line 2\n", "ours\n"))}
    result = merge_trees(base, theirs, ours, {"old.py": "new.py"})
    assert result.renames == {"old.py": "new.py"}
    assert set(result.tree) == {"new.py"}
    assert result.outcomes == {"new.py": Outcome.MERGED}
    text = result.tree["new.py"].content.decode()
    assert "ours\n" in text
    assert "theirs\n" in text


def test_a_renamed_file_deleted_here_stays_deleted() -> None:
    base = {"old.py": entry(LINES)}
    theirs = {"new.py": entry(LINES)}
    result = merge_trees(base, theirs, {}, {"old.py": "new.py"})
    assert result.tree == {}
    assert result.renames == {}


def test_detect_renames_pairs_exact_then_similar_files_once() -> None:
    base = {"a.txt": entry(LINES), "b.txt": entry(LINES + "b\n"), "gone.txt": entry("x\n")}
    theirs = {
        "a2.txt": entry(LINES),
        "b2.txt": entry(LINES + "b, changed\n"),
        "unrelated.txt": entry("something else entirely\n"),
    }
    assert detect_renames(base, theirs) == {"a.txt": "a2.txt", "b.txt": "b2.txt"}


def test_detect_renames_ignores_files_less_than_half_alike() -> None:
    base = {"a.txt": entry("1\n2\n3\n4\n")}
    theirs = {"b.txt": entry("1\nx\ny\nz\n")}
    assert detect_renames(base, theirs) == {}
