"""Loads mlopscutter's Jinja extension for cookiecutter and cruft.

From a template checkout the template's own ``generator/`` code is used, so a template commit
renders with the logic of that same commit; from an installed wheel, the installed package.

The extension itself is imported only when cookiecutter asks for it: the hook scripts import
this module just to find the generator, and start faster without Jinja and the context code.
"""

import sys
from pathlib import Path
from typing import Any

_GENERATOR = Path(__file__).resolve().parent / "generator"
if (_GENERATOR / "mlopscutter").is_dir() and str(_GENERATOR) not in sys.path:
    sys.path.insert(0, str(_GENERATOR))


def __getattr__(name: str) -> Any:
    if name == "MlopsExtension":
        from mlopscutter.jinja import MlopsExtension

        return MlopsExtension
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
