"""The project's ``.cruft.json``: template source, commit and answers, in cruft's format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CRUFT_FILE = ".cruft.json"
# cookiecutter adds these to the context at render time; they are paths of the machine that
# rendered, so they are not part of the recorded answers.
_MACHINE_KEYS = frozenset({"_output_dir", "_repo_dir", "_checkout"})


def cruft_state(
    template: str,
    commit: str | None,
    cookiecutter_context: Mapping[str, Any],
    checkout: str | None = None,
) -> dict[str, Any]:
    """The ``.cruft.json`` document for a project rendered from ``template`` at ``commit``."""
    context = {k: v for k, v in cookiecutter_context.items() if k not in _MACHINE_KEYS}
    context["_template"] = template
    context["_commit"] = commit
    return {
        "template": template,
        "commit": commit,
        "checkout": checkout,
        "context": {"cookiecutter": context},
        "directory": None,
    }


def dumps(state: Mapping[str, Any]) -> str:
    """Serialise like cruft does, so cruft rewrites produce no diff."""
    return json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n"


def write_cruft_file(project_dir: Path, state: Mapping[str, Any]) -> Path:
    """Write ``.cruft.json`` into ``project_dir``."""
    path = project_dir / CRUFT_FILE
    path.write_text(dumps(state), encoding="utf-8")
    return path


def read_cruft_file(project_dir: Path) -> dict[str, Any]:
    """Read ``.cruft.json`` from ``project_dir``."""
    data: dict[str, Any] = json.loads((project_dir / CRUFT_FILE).read_text(encoding="utf-8"))
    return data
