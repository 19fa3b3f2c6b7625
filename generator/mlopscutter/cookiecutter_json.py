"""``cookiecutter.json`` as generated from the option declarations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlopscutter.options import OPTION_SPECS

EXTENSIONS = ["mlopscutter_ext.MlopsExtension"]


def cookiecutter_json() -> dict[str, Any]:
    """The document: every option's default (choices as lists), prompts and extensions."""
    document: dict[str, Any] = {spec.name: spec.cookiecutter_default() for spec in OPTION_SPECS}
    document["__prompts__"] = {spec.name: spec.help for spec in OPTION_SPECS}
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
