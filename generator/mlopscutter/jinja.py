"""The Jinja extension the template loads (``_extensions`` in cookiecutter.json).

It gives templates the escaping filters and ``mlops(cookiecutter)``, which returns the derived
:class:`~mlopscutter.context.ProjectContext` for the answers (computed once per answer set).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.ext import Extension

from mlopscutter.context import ProjectContext, build_context
from mlopscutter.escaping import markdown_text, mermaid_label, quote, shell_word, tag_value
from mlopscutter.options import OPTION_SPECS, github_owner, parse_options, slugify
from mlopscutter.profile import PROFILE_CONTEXT_KEY


@lru_cache(maxsize=32)
def _context_for(answers_json: str) -> ProjectContext:
    return build_context(parse_options(json.loads(answers_json)))


def project_context(cookiecutter: Mapping[str, Any]) -> ProjectContext:
    """The derived context for a cookiecutter context mapping."""
    answers = {
        spec.name: cookiecutter[spec.name] for spec in OPTION_SPECS if spec.name in cookiecutter
    }
    if cookiecutter.get(PROFILE_CONTEXT_KEY):
        answers[PROFILE_CONTEXT_KEY] = cookiecutter[PROFILE_CONTEXT_KEY]
    return _context_for(json.dumps(answers, sort_keys=True, default=str))


def json_document(value: object) -> str:
    """A JSON document as the project stores it: two-space indent, no trailing newline."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def github_expression(expression: str) -> str:
    """``${{ expression }}``: a GitHub Actions expression, which Jinja cannot write literally."""
    return "${{ " + expression + " }}"


# The environment settings the lexer reads (jinja2.lexer.get_lexer keys its cache on them).
_LEXER_SETTINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
)


class CompiledTemplates(BytecodeCache):
    """Compiled template files kept for the life of the process.

    cookiecutter makes a new Jinja environment for every project it renders, and compiling the
    template files is most of a render's time. A process that renders many projects (the
    matrix, an update, which renders two) compiles each file once. Jinja checks every entry
    against the checksum of the file's current source, and entries are kept apart for
    environments whose settings change what a compiled template is.
    """

    def __init__(self) -> None:
        self._compiled: dict[tuple[Any, ...], bytes] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple[Any, ...]:
        environment = bucket.environment
        return (
            bucket.key,
            tuple(getattr(environment, name) for name in _LEXER_SETTINGS),
            tuple(sorted(environment.extensions)),
            environment.optimized,
            environment.is_async,
            type(environment.undefined).__qualname__,
            repr(environment.finalize),
            repr(environment.autoescape),
        )

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(self._key(bucket))
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[self._key(bucket)] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = CompiledTemplates()


class MlopsExtension(Extension):
    """Registers mlopscutter's filters and the ``mlops`` global on the environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            {
                "mlops_slug": slugify,
                "github_owner": github_owner,
                "q": quote,
                "md": markdown_text,
                "sh": shell_word,
                "tag": tag_value,
                "mermaid": mermaid_label,
                "gha": github_expression,
                "json_document": json_document,
            }
        )
        environment.globals["mlops"] = project_context
        # cookiecutter renders hook scripts while working in the template directory; the hook
        # shims use this to find the template's own generator code.
        environment.globals["template_root"] = os.getcwd
        if environment.bytecode_cache is None:
            environment.bytecode_cache = _COMPILED_TEMPLATES
