"""Helpers shared by the generator's tests: rendering, tree reading, normalisation."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mlopscutter.context import AIRFLOW_TEMPLATES
from mlopscutter.escaping import markdown_text, quote, tag_value
from mlopscutter.main import render_project
from mlopscutter.profile import OrgProfile, load_profile

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = REPO_ROOT / "examples"
SNAPSHOTS_DIR = Path(__file__).resolve().parent / "snapshots"
BIN = Path(sys.executable).parent


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.yaml"))


def example_answers(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES_DIR / f"{name}.yaml").read_text())
    return data


def example_profile(name: str) -> OrgProfile | None:
    """The org profile an example is made under: ``examples/profiles/<name>.yaml``, if any."""
    path = EXAMPLES_DIR / "profiles" / f"{name}.yaml"
    return load_profile(path) if path.is_file() else None


def render(answers: Mapping[str, Any], output_dir: Path, profile: OrgProfile | None = None) -> Path:
    """Render the checkout's template with ``answers`` (no prompts)."""
    return render_project(answers, output_dir, str(REPO_ROOT), no_input=True, profile=profile)


def render_example(name: str, output_dir: Path) -> Path:
    """Render a named example, under its org profile if it has one."""
    return render(example_answers(name), output_dir, example_profile(name))


def subprocess_env() -> dict[str, str]:
    """Environment for CLI subprocesses: the checkout's code first, HOME as the tests set it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "generator"), str(REPO_ROOT)])
    return env


def run(
    args: list[str], cwd: Path | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=subprocess_env(), capture_output=True, text=True, check=False, **kwargs
    )


_COMMIT = re.compile(r"\b[0-9a-f]{40}\b")


def normalise(relative: str, content: bytes) -> bytes:
    """Remove what legitimately differs between renders: the template location and commit
    recorded in .cruft.json."""
    if relative != ".cruft.json":
        return content
    state = json.loads(content)
    state["template"] = "<template>"
    state["commit"] = "<commit>"
    context = state["context"]["cookiecutter"]
    context["_template"] = "<template>"
    context["_commit"] = "<commit>"
    return (json.dumps(state, indent=2, ensure_ascii=False) + "\n").encode()


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by POSIX relative path, normalised."""
    tree = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            relative = path.relative_to(root).as_posix()
            tree[relative] = normalise(relative, path.read_bytes())
    return tree


def template_syntax_left(text: str, answers: Mapping[str, Any] | None = None) -> list[str]:
    """Jinja syntax left in rendered text. GitHub Actions' ``${{ }}`` and the Airflow templates
    the training DAG's job definitions carry are not ours, and the user's own free text (in
    any of its escaped forms) may legitimately contain ``{%``."""
    for template in AIRFLOW_TEMPLATES.values():
        text = text.replace(template, "")
    for value in (answers or {}).values():
        if isinstance(value, str) and value:
            for form in (quote(value), markdown_text(value), tag_value(value), value):
                text = text.replace(form, "")
    text = text.replace("${{", "")
    return re.findall(r"\{\{|\{%|\{#|%\}|#\}", text)


def git(*args: str, cwd: Path) -> str:
    result = run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def make_template_repo(destination: Path, tag: str | None = None) -> Path:
    """A git repository holding the checkout's template files (tracked and untracked, not
    ignored), committed once, as a platform team's template repository would be."""
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT
    ).stdout.split("\0")
    for relative in filter(None, listed):
        source = REPO_ROOT / relative
        if source.is_file() and not relative.startswith("tests/snapshots/"):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    git("init", "-q", "-b", "main", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-qm", "template v1", cwd=destination)
    if tag:
        git("tag", tag, cwd=destination)
    return destination
