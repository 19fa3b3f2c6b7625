"""Fixtures of the update and status tests: a template repository and a project made from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_template_repo
from tests.template_history import create_project


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The checkout's template as a git repository, tagged v1.0."""
    return make_template_repo(tmp_path / "template", tag="v1.0")


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """A project created from the v1.0 template, committed to git."""
    return create_project(template, tmp_path / "projects")
