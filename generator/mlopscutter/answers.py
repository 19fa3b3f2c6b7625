"""Reading answers: a YAML answers file and ``key=value`` arguments."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from mlopscutter.errors import AnswersFileError, InvalidInputError


def load_answers_file(path: Path) -> dict[str, Any]:
    """Read a YAML mapping of option names to values.

    :raises AnswersFileError: when the file is missing, is not YAML or is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AnswersFileError(f"--answers {path}: cannot read it ({error.strerror})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AnswersFileError(f"--answers {path}: not valid YAML ({error})") from error
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise AnswersFileError(
            f"--answers {path}: must be a YAML mapping of option names to values, "
            f"got {type(data).__name__}"
        )
    for key, value in data.items():
        if isinstance(value, (dict, list)):
            raise AnswersFileError(
                f"--answers {path}: {key} must be a single value, got {type(value).__name__}"
            )
    return {k: "" if v is None else v for k, v in data.items()}


def parse_key_values(pairs: Iterable[str]) -> dict[str, str]:
    """Parse ``key=value`` arguments.

    :raises InvalidInputError: for an argument without ``=``.
    """
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(
                f"argument {pair!r} is not key=value; allowed: option=value, e.g. "
                "deployment_strategy=linear"
            )
        answers[key] = value
    return answers
