"""A generation that fails or is interrupted midway leaves nothing behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mlopscutter.main
from mlopscutter.errors import RenderError
from tests.helpers import REPO_ROOT, render, subprocess_env


def _interrupting(after_files: bool, error: BaseException):
    real = mlopscutter.main.generate_files

    def generate_then_fail(**kwargs):
        if after_files:
            real(**kwargs)  # the whole tree is on disk in the staging directory
        raise error

    return generate_then_fail


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError("disk full")])
@pytest.mark.parametrize("after_files", [True, False])
def test_interrupted_generation_leaves_nothing(tmp_path, monkeypatch, error, after_files) -> None:
    monkeypatch.setattr(mlopscutter.main, "generate_files", _interrupting(after_files, error))
    out = tmp_path / "out"
    with pytest.raises(type(error)):
        render({}, out)
    assert list(out.iterdir()) == []


def test_a_failing_hook_leaves_nothing(tmp_path, monkeypatch) -> None:
    from cookiecutter.exceptions import FailedHookException

    monkeypatch.setattr(
        mlopscutter.main,
        "generate_files",
        _interrupting(True, FailedHookException("post_gen_project failed")),
    )
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="post_gen_project failed"):
        render({}, out)
    assert list(out.iterdir()) == []


def _default_sigint() -> None:
    """In the child, before it starts: SIGINT's default disposition. A shell without job
    control starts background commands with SIGINT ignored, their children inherit that, and
    Python then installs no KeyboardInterrupt handler: the interrupt would never arrive."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path: Path) -> None:
    """A real SIGINT to the CLI while it renders."""
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "mlopscutter", "new", str(REPO_ROOT), "--no-input", "-o", str(out)],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 30
    # Interrupt once the staging directory exists, i.e. in the middle of rendering.
    while time.monotonic() < deadline and not (out.exists() and any(out.iterdir())):
        if process.poll() is not None:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.fail("the render finished before the interrupt arrived; nothing was tested")
    assert process.returncode == 130, stderr
    assert list(out.iterdir()) == []
