"""Loads mlopscutter's Jinja extension for cookiecutter and cruft.

From a template checkout the template's own ``generator/`` code is used, so a template commit
renders with the logic of that same commit; from an installed wheel, the installed package.
"""

import sys
from pathlib import Path

_GENERATOR = Path(__file__).resolve().parent / "generator"
if (_GENERATOR / "mlopscutter").is_dir() and str(_GENERATOR) not in sys.path:
    sys.path.insert(0, str(_GENERATOR))

from mlopscutter.jinja import MlopsExtension  # noqa: E402

__all__ = ["MlopsExtension"]
