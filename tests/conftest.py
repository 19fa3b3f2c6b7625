"""Fixtures for the generator's tests. HOME is isolated so no user cookiecutter config or
replay directory leaks in or out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlopscutter.lint import CfnLinter


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("COOKIECUTTER_CONFIG", raising=False)
    return home


@pytest.fixture(scope="session")
def cfn_linters() -> Callable[[str], CfnLinter]:
    """One cfn-lint Runner per Region for the whole session (loading rules costs ~1 s)."""
    cache: dict[str, CfnLinter] = {}

    def linter_for(region: str) -> CfnLinter:
        if region not in cache:
            cache[region] = CfnLinter([region])
        return cache[region]

    return linter_for


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"
