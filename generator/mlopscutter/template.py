"""Locating the cookiecutter template: a given path or URL, a checkout, or the packaged copy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlopscutter.errors import TemplateNotFoundError

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_template_dir() -> Path:
    """The template this installation carries: the packaged copy, else the source checkout."""
    packaged = _PACKAGE_DIR / "template"
    if (packaged / "cookiecutter.json").is_file():
        return packaged
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "cookiecutter.json").is_file():
        return checkout
    raise TemplateNotFoundError(
        "no template: this installation carries none; pass TEMPLATE (a path or git URL)"
    )


def is_installed_template(directory: Path) -> bool:
    """Whether ``directory`` is the template this installation carries, whose hook scripts
    run this installation's own code."""
    try:
        return directory.resolve() == default_template_dir().resolve()
    except TemplateNotFoundError:
        return False


def local_template_dir(template: str | None) -> Path | None:
    """The template directory for a local ``template`` argument, or None for a remote one.

    :raises TemplateNotFoundError: when a local directory has no cookiecutter.json.
    """
    if template is None:
        return default_template_dir()
    path = Path(template).expanduser()
    if path.exists():
        if not (path / "cookiecutter.json").is_file():
            raise TemplateNotFoundError(
                f"TEMPLATE={template!r} has no cookiecutter.json; allowed: a directory holding "
                "the template (its root has cookiecutter.json) or a git URL"
            )
        return path.resolve()
    return None


def git_commit(directory: Path) -> str | None:
    """The HEAD commit of the git checkout holding ``directory``, or None."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) == 40 else None


@contextmanager
def importable_template(directory: Path) -> Iterator[None]:
    """Put the template root on ``sys.path`` (as cookiecutter does) for its Jinja extension."""
    saved = list(sys.path)
    sys.path.append(str(directory))
    try:
        yield
    finally:
        sys.path[:] = saved
