"""Render every example and compare with (or, with --update, rewrite) its golden tree under
tests/snapshots/<example>/. Stale files are removed on update.

    python -m tests.snapshot_tool --update
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tests.helpers import SNAPSHOTS_DIR, example_names, read_tree, render_example


def rendered_tree(name: str) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        project = render_example(name, Path(tmp))
        return read_tree(project)


def update(names: list[str]) -> None:
    for stale in SNAPSHOTS_DIR.iterdir() if SNAPSHOTS_DIR.exists() else []:
        if stale.is_dir() and stale.name not in names:
            shutil.rmtree(stale)
    for name in names:
        target = SNAPSHOTS_DIR / name
        if target.exists():
            shutil.rmtree(target)
        for relative, content in rendered_tree(name).items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        print(f"updated {target.relative_to(SNAPSHOTS_DIR.parent.parent)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args(argv)
    if not args.update:
        parser.error("only --update is supported; the comparison runs in the test suite")
    update(example_names())
    return 0


if __name__ == "__main__":
    sys.exit(main())
