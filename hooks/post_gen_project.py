"""Prune the paths the answers did not select and write .cruft.json (see mlopscutter.hooks)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, {{ template_root() | q }})
import mlopscutter_ext  # noqa: E402,F401  (puts the template's own generator on sys.path)
from mlopscutter.hooks import post_generate  # noqa: E402

sys.exit(
    post_generate(
        json.loads({{ cookiecutter | tojson | q }}), Path.cwd(), Path({{ template_root() | q }})
    )
)
