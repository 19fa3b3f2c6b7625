"""Answers files and key=value arguments."""

from __future__ import annotations

import pytest

from mlopscutter.answers import load_answers_file, parse_key_values
from mlopscutter.errors import AnswersFileError, InvalidInputError


def test_answers_file_values_keep_their_types(tmp_path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("wait_minutes: 5\ndescription: 'a: b'\nretrain_schedule:\n")
    assert load_answers_file(path) == {
        "wait_minutes": 5,
        "description": "a: b",
        "retrain_schedule": "",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "must be a YAML mapping"),
        ("a: [1, 2]\n", "a must be a single value"),
        ("a: {b: 1}\n", "a must be a single value"),
        ("a: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_answers_files(tmp_path, text, message) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(text)
    with pytest.raises(AnswersFileError, match=message):
        load_answers_file(path)


def test_empty_answers_file_is_no_answers(tmp_path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("")
    assert load_answers_file(path) == {}


def test_key_values() -> None:
    assert parse_key_values(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(InvalidInputError, match="not key=value"):
        parse_key_values(["novalue"])
