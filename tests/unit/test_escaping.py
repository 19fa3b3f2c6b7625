"""The one escaping path: any text survives YAML, JSON, TOML, Python, Markdown and shell."""

from __future__ import annotations

import ast
import json
import subprocess
import tomllib

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, StrictUndefined

from mlopscutter.escaping import jinja_literal, markdown_text, quote, shell_word, tag_value

NASTY = [
    'He said "hi": #1',
    "line one\nline two\r\n\ttabbed",
    "{{ cookiecutter.project_slug }} {% if %} ${{ secrets.X }} #{codepipeline.Var}",
    "`rm -rf /` $(reboot) ; echo pwned && true || false",
    "- item\n? key\n: value\n---\n...",
    "null",
    "yes",
    "0x1F",
    "déjà vu — 東京 — 🚀",
    "back\\slash \\u0041 \\n",
    "\x7f\x85\u2028\u2029",
    "x" * 5000,
]


@pytest.mark.parametrize("text", NASTY)
def test_quote_round_trips_in_every_format(text: str) -> None:
    literal = quote(text)
    assert yaml.safe_load(f"key: {literal}\n") == {"key": text}
    assert json.loads(literal) == text
    assert tomllib.loads(f"key = {literal}\n") == {"key": text}
    assert ast.literal_eval(literal) == text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_quote_round_trips_for_any_text(text: str) -> None:
    literal = quote(text)
    assert yaml.safe_load(f"key: {literal}\n") == {"key": text}
    assert json.loads(literal) == text
    assert tomllib.loads(f"key = {literal}\n") == {"key": text}
    assert ast.literal_eval(literal) == text


@pytest.mark.parametrize("text", NASTY[:10])
def test_shell_word_is_one_literal_word(text: str) -> None:
    result = subprocess.run(
        ["sh", "-c", f"printf '%s' {shell_word(text)}"], capture_output=True, check=True
    )
    assert result.stdout.decode("utf-8") == text


def _rendered_markdown_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    assert [t.type for t in tokens] in ([], ["paragraph_open", "inline", "paragraph_close"])
    if not tokens:
        return ""
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text", "text_special"}, [c.type for c in children]
    return "".join(c.content for c in children)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"))))
def test_markdown_text_renders_as_the_literal_text(text: str) -> None:
    folded = " ".join(text.split())
    assert _rendered_markdown_text(markdown_text(text)) == folded


@pytest.mark.parametrize("text", NASTY[:9])
def test_markdown_text_of_nasty_text_is_literal(text: str) -> None:
    assert _rendered_markdown_text(markdown_text(text)) == " ".join(text.split())


def test_markdown_text_is_one_line_with_specials_escaped() -> None:
    rendered = markdown_text("# Title\n* item `code` [link](x) <b>")
    assert "\n" not in rendered
    assert rendered.startswith("\\# Title \\* item \\`code\\`")
    assert "\\[link\\]\\(x\\)" in rendered and "\\<b\\>" in rendered
    assert markdown_text("1. one") == "1\\. one"
    assert markdown_text("- item") == "\\- item"


def test_tag_value_keeps_allowed_characters_only() -> None:
    assert tag_value("Risk ML <risk-ml@example.com>") == "Risk ML -risk-ml@example.com-"
    assert len(tag_value("x" * 300)) == 256
    assert tag_value("a\nb") == "a b"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_jinja_literal_renders_to_the_value(text: str) -> None:
    environment = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    assert environment.from_string(jinja_literal(text)).render() == text


@pytest.mark.parametrize("text", NASTY)
def test_jinja_literal_of_template_syntax_stays_literal(text: str) -> None:
    environment = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    assert environment.from_string(jinja_literal(text)).render() == text
