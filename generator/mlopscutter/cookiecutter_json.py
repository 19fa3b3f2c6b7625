"""``cookiecutter.json`` as generated from the option declarations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlopscutter.options import OPTION_SPECS
from mlopscutter.profile import PROFILE_CONTEXT_KEY, PROFILE_PROMPT

EXTENSIONS = ["mlopscutter_ext.MlopsExtension"]


def cookiecutter_json() -> dict[str, Any]:
    """The document: every option's default (choices as lists), prompts and extensions."""
    document: dict[str, Any] = {spec.name: spec.cookiecutter_default() for spec in OPTION_SPECS}
    # The org profile (mlopscutter new --profile) is recorded under this key; empty: none. It
    # is a public variable so that cruft replays it (cruft drops "_" keys on update and diff).
    document[PROFILE_CONTEXT_KEY] = {}
    document["__prompts__"] = {spec.name: spec.help for spec in OPTION_SPECS}
    document["__prompts__"][PROFILE_CONTEXT_KEY] = PROFILE_PROMPT
    document["_extensions"] = EXTENSIONS
    return document


def dumps() -> str:
    """Serialised as stored at the template root."""
    return json.dumps(cookiecutter_json(), indent=2, ensure_ascii=False) + "\n"


def write(template_dir: Path) -> Path:
    """Rewrite ``cookiecutter.json`` in ``template_dir`` from the declarations."""
    path = template_dir / "cookiecutter.json"
    path.write_text(dumps(), encoding="utf-8")
    return path
