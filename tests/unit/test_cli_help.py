"""The CLI's help text, kept as syrupy snapshots (small values)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlopscutter.cli import cli


@pytest.mark.parametrize("command", [[], ["new"], ["lint"], ["check"], ["diff"], ["update"]])
def test_help(command, snapshot) -> None:
    result = CliRunner().invoke(
        cli, [*command, "--help"], prog_name="mlopscutter", terminal_width=100
    )
    assert result.exit_code == 0
    assert result.output == snapshot
