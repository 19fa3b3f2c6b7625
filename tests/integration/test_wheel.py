"""The wheel carries the template: installed on its own, `mlopscutter new` works from any
directory, without the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import REPO_ROOT, read_tree, render


def test_wheel_renders_the_same_project_outside_the_checkout(tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(REPO_ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("mlopscutter-*.whl"))
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(installed)
    assert "mlopscutter/template/cookiecutter.json" in names
    assert "mlopscutter_ext.py" in names
    assert any(
        n.startswith("mlopscutter/template/{{cookiecutter.project_slug}}/infra/") for n in names
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Only the extracted wheel provides mlopscutter; dependencies come from this environment.
    env = {**os.environ, "PYTHONPATH": str(installed), "HOME": str(tmp_path)}
    template = installed / "mlopscutter" / "template"

    def run_elsewhere(*args: str) -> Path:
        """Run Python with ``args`` outside the checkout; the project it renders."""
        result = subprocess.run(
            [sys.executable, *args, "deployment_strategy=all-at-once"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return Path(args[-1]) / "customer-churn"

    cli = "from mlopscutter.cli import main; main()"
    project = run_elsewhere("-c", cli, "new", "--no-input", "-o", str(elsewhere))
    state = json.loads((project / ".cruft.json").read_text())
    assert state["template"] == str(template)
    from_wheel = read_tree(project)
    from_checkout = read_tree(render({"deployment_strategy": "all-at-once"}, tmp_path / "co"))
    assert sorted(from_wheel) == sorted(from_checkout)
    differing = [k for k in from_wheel if k != ".cruft.json" and from_wheel[k] != from_checkout[k]]
    assert differing == []

    # `mlopscutter new` runs the hook code in-process; plain cookiecutter on the installed
    # template runs its hook scripts, which must find the wheel's code just as well.
    plain = run_elsewhere("-m", "cookiecutter", str(template), "--no-input", "-o", str(tmp_path))
    from_plain = read_tree(plain)
    assert sorted(from_plain) == sorted(from_wheel)
    assert [k for k in from_plain if k != ".cruft.json" and from_plain[k] != from_wheel[k]] == []
