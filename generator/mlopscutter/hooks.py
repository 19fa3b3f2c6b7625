"""What the template's hook shims call: validation before rendering, pruning and metadata
after. Standard library only (plus this package), so plain cookiecutter can run it."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlopscutter.errors import InvalidInputError
from mlopscutter.layout import prune
from mlopscutter.metadata import cruft_state, write_cruft_file
from mlopscutter.options import parse_options
from mlopscutter.template import git_commit

EXIT_INVALID = 2


def pre_generate(cookiecutter: Mapping[str, Any]) -> int:
    """Validate the answers (and the recorded org profile); print every broken rule to
    stderr. Returns the exit status."""
    try:
        parse_options(cookiecutter)
    except InvalidInputError as error:
        print(f"mlopscutter: {error}", file=sys.stderr)
        return EXIT_INVALID
    return 0


def post_generate(cookiecutter: Mapping[str, Any], project_dir: Path, template_dir: Path) -> int:
    """Prune unselected paths; under plain cookiecutter also write ``.cruft.json``.

    cruft and mlopscutter put ``_commit`` in the context and write ``.cruft.json`` themselves
    after rendering; writing it here too would make it part of the template's output, so that
    ``cruft diff`` and ``cruft update`` would try to merge it. Returns the exit status.
    """
    options = parse_options(cookiecutter)
    prune(project_dir, options)
    if "_commit" not in cookiecutter:
        template = str(cookiecutter.get("_template") or template_dir)
        write_cruft_file(
            project_dir,
            cruft_state(
                template, git_commit(template_dir), cookiecutter, cookiecutter.get("_checkout")
            ),
        )
    return 0
