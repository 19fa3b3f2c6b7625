"""Validate the answers before anything is rendered (logic lives in mlopscutter.hooks)."""

import json
import sys

sys.path.insert(0, {{ template_root() | q }})
import mlopscutter_ext  # noqa: E402,F401  (puts the template's own generator on sys.path)
from mlopscutter.hooks import pre_generate  # noqa: E402

sys.exit(pre_generate(json.loads({{ cookiecutter | tojson | q }})))
