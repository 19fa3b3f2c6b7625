"""Each named example renders byte for byte as its stored snapshot tree."""

from __future__ import annotations

import difflib

import pytest

from tests.helpers import (
    SNAPSHOTS_DIR,
    example_answers,
    example_names,
    read_tree,
    template_syntax_left,
)
from tests.snapshot_tool import rendered_tree


@pytest.mark.parametrize("name", example_names())
def test_example_matches_snapshot(name: str) -> None:
    stored_dir = SNAPSHOTS_DIR / name
    assert stored_dir.is_dir(), f"no snapshot for {name}; run `make snapshots` and review it"
    stored = {k: v for k, v in read_tree(stored_dir).items()}
    rendered = rendered_tree(name)
    assert sorted(rendered) == sorted(stored), "file sets differ; run `make snapshots`"
    for relative, content in rendered.items():
        if content != stored[relative]:
            diff = "\n".join(
                difflib.unified_diff(
                    stored[relative].decode().splitlines(),
                    content.decode().splitlines(),
                    f"snapshot/{relative}",
                    f"rendered/{relative}",
                    lineterm="",
                    n=2,
                )
            )
            pytest.fail(f"{name}: {relative} differs from its snapshot:\n{diff}")


def test_no_stale_snapshots() -> None:
    stored = sorted(p.name for p in SNAPSHOTS_DIR.iterdir() if p.is_dir())
    assert stored == example_names()


@pytest.mark.parametrize("name", example_names())
def test_snapshot_has_no_template_syntax_left(name: str) -> None:
    answers = example_answers(name)
    for relative, content in read_tree(SNAPSHOTS_DIR / name).items():
        assert template_syntax_left(content.decode(), answers) == [], relative
