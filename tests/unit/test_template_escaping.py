"""Every free-text answer reaches a generated file through an escaping filter."""

from __future__ import annotations

import re

from tests.helpers import REPO_ROOT

FREE_TEXT = ("project_name", "description", "owner")
ESCAPING_FILTERS = ("q", "md", "sh", "tag", "mermaid")
TEMPLATE_DIRS = ("{{cookiecutter.project_slug}}", "templates", "hooks")


def _expressions() -> list[tuple[str, str]]:
    found = []
    for directory in TEMPLATE_DIRS:
        for path in (REPO_ROOT / directory).rglob("*"):
            if path.is_file():
                for expression in re.findall(r"\{\{(.*?)\}\}", path.read_text(), flags=re.S):
                    found.append((str(path.relative_to(REPO_ROOT)), expression))
    return found


def test_free_text_is_always_filtered() -> None:
    unescaped = []
    for where, expression in _expressions():
        for name in FREE_TEXT:
            if re.search(rf"\bcookiecutter\.{name}\b", expression):
                filters = re.findall(r"\|\s*(\w+)", expression)
                if not filters or filters[-1] not in ESCAPING_FILTERS:
                    unescaped.append((where, expression.strip()))
    assert unescaped == []


def test_the_check_sees_the_templates() -> None:
    uses = [e for _, e in _expressions() if "cookiecutter.description" in e]
    assert len(uses) >= 2  # README and pyproject.toml at least
