"""What the template's hook shims call: validation before rendering, pruning and metadata
after. Standard library only (plus this package), so plain cookiecutter can run it."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlopscutter.errors import ValidationErrors
from mlopscutter.layout import prune
from mlopscutter.metadata import cruft_state, write_cruft_file
from mlopscutter.options import parse_options
from mlopscutter.template import git_commit

EXIT_INVALID = 2


def pre_generate(cookiecutter: Mapping[str, Any]) -> int:
    """Validate the answers; print every broken rule to stderr. Returns the exit status."""
    try:
        parse_options(cookiecutter)
    except ValidationErrors as error:
        print(f"mlopscutter: {error}", file=sys.stderr)
        return EXIT_INVALID
    return 0


def post_generate(cookiecutter: Mapping[str, Any], project_dir: Path, template_dir: Path) -> int:
    """Prune unselected paths and write ``.cruft.json``. Returns the exit status."""
    options = parse_options(cookiecutter)
    prune(project_dir, options)
    template = str(cookiecutter.get("_template") or template_dir)
    commit = cookiecutter.get("_commit") or git_commit(template_dir)
    write_cruft_file(project_dir, cruft_state(template, commit, cookiecutter,
                                              cookiecutter.get("_checkout")))
    return 0
