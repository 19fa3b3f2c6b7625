"""The one escaping path for free text landing in generated files.

Every free-text answer reaches a file through one of these functions (exposed to templates as
Jinja filters): no answer can break the YAML, JSON, TOML, Python, Markdown or shell it lands in.
"""

from __future__ import annotations

import json
import re
import shlex

# Characters YAML 1.2 does not allow raw in a document (C0 controls other than tab/LF/CR are
# already escaped by json.dumps); DEL and C1 controls, and the non-characters U+FFFE/U+FFFF.
# TOML also forbids raw DEL. Escaping them as \uXXXX is valid in YAML, JSON, TOML and Python.
_UNSAFE_RAW = re.compile("[\u007f-\u009f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def quote(value: object) -> str:
    """A double-quoted string literal that is valid, with the same value, in YAML, JSON, TOML
    and Python source."""
    text = json.dumps(str(value), ensure_ascii=False)
    return _UNSAFE_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def jinja_literal(value: str) -> str:
    """A Jinja expression that renders to exactly ``value``.

    cookiecutter renders every supplied answer as a template (that is how defaults derive from
    other answers), so an answer holding ``{{`` or ``{%`` would be evaluated or fail. Wrapping
    it as a string literal keeps it literal. Jinja decodes its string literals with Python's
    unicode-escape rules, which accept every escape json.dumps writes.
    """
    return "{{ " + json.dumps(value, ensure_ascii=False) + " }}"


# Characters with inline meaning anywhere in a Markdown line (emphasis, code, links, HTML,
# tables, headings, math and strike-through in GitHub's dialect).
_MARKDOWN_INLINE = re.compile(r"([\\`*_{}\[\]()<>#|~$!&])")
# What starts a block at the line's start: a list item, an ordered-list number, a heading
# underline. (``)`` after a number is escaped as inline already.)
_MARKDOWN_LINE_START = re.compile(r"^(?:([-+=])|(\d+)\.)")


def markdown_text(value: object) -> str:
    """Inline Markdown text that renders as the literal value: one line, specials escaped."""
    one_line = " ".join(str(value).split())
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", one_line)
    return _MARKDOWN_LINE_START.sub(
        lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\.", escaped
    )


def mermaid_label(value: object) -> str:
    """A quoted Mermaid label: one line, double quotes as Mermaid's entity."""
    one_line = " ".join(str(value).split())
    return '"' + one_line.replace('"', "#quot;") + '"'


def shell_word(value: object) -> str:
    """One POSIX shell word with the literal value."""
    return shlex.quote(str(value))


_TAG_UNSAFE = re.compile(r"[^\w .:/=+\-@]", re.UNICODE)


def tag_value(value: object) -> str:
    """An AWS tag value (at most 256 of letters, digits, spaces and ``_ . : / = + - @``)."""
    cleaned = _TAG_UNSAFE.sub("-", " ".join(str(value).split()))
    return cleaned[:256]
