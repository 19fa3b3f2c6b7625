"""Validation of EventBridge scheduled-rule expressions (``cron(...)`` and ``rate(...)``).

Follows the EventBridge user guide's cron and rate expression references: six cron fields
(minutes, hours, day-of-month, month, day-of-week, year) with their ranges and wildcards, ``?``
required in exactly one of day-of-month / day-of-week, a singular unit iff the rate value is 1,
and a maximum length of 256 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_EXPRESSION_LENGTH = 256

_MONTHS = {
    name: i
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        start=1,
    )
}
_WEEKDAYS = {
    name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)
}


class ScheduleExpressionError(ValueError):
    """Raised when a schedule expression breaks EventBridge's syntax; the message says how."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    allow_slash: bool
    names: dict[str, int] | None = None


_CRON_FIELDS = (
    _Field("minutes", 0, 59, True),
    _Field("hours", 0, 23, True),
    _Field("day-of-month", 1, 31, True),
    _Field("month", 1, 12, True, _MONTHS),
    _Field("day-of-week", 1, 7, False, _WEEKDAYS),
    _Field("year", 1970, 2199, True),
)

_RATE = re.compile(r"rate\((?P<value>[^ ()]+) (?P<unit>[^ ()]+)\)")
_CRON = re.compile(r"cron\((?P<body>[^()]*)\)")


def validate_schedule_expression(expression: str) -> None:
    """Check ``expression`` against EventBridge's schedule syntax.

    :raises ScheduleExpressionError: naming the part that is wrong and what is allowed.
    """
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ScheduleExpressionError(
            f"is {len(expression)} characters long; EventBridge allows at most "
            f"{MAX_EXPRESSION_LENGTH}"
        )
    if expression.startswith("rate("):
        _validate_rate(expression)
    elif expression.startswith("cron("):
        _validate_cron(expression)
    else:
        raise ScheduleExpressionError(
            "must be 'cron(<6 fields>)' or 'rate(<value> <unit>)', "
            "e.g. 'cron(0 3 ? * MON *)' or 'rate(7 days)'"
        )


def _validate_rate(expression: str) -> None:
    match = _RATE.fullmatch(expression)
    if not match:
        raise ScheduleExpressionError(
            "a rate expression is 'rate(<value> <unit>)' with one space, e.g. 'rate(6 hours)'"
        )
    value_text, unit = match["value"], match["unit"]
    if not value_text.isdigit() or int(value_text) < 1:
        raise ScheduleExpressionError(f"rate value {value_text!r} must be a positive whole number")
    value = int(value_text)
    singular = {"minute", "hour", "day"}
    plural = {"minutes", "hours", "days"}
    if unit not in singular | plural:
        raise ScheduleExpressionError(
            f"rate unit {unit!r} must be one of minute(s), hour(s), day(s)"
        )
    if value == 1 and unit not in singular:
        raise ScheduleExpressionError(
            f"a rate of 1 takes a singular unit: 'rate(1 {unit[:-1]})', not 'rate(1 {unit})'"
        )
    if value > 1 and unit not in plural:
        raise ScheduleExpressionError(
            f"a rate above 1 takes a plural unit: 'rate({value} {unit}s)', "
            f"not 'rate({value} {unit})'"
        )


def _validate_cron(expression: str) -> None:
    match = _CRON.fullmatch(expression)
    if not match:
        raise ScheduleExpressionError("a cron expression is 'cron(<6 fields>)'")
    fields = match["body"].split()
    if len(fields) != len(_CRON_FIELDS):
        raise ScheduleExpressionError(
            f"a cron expression has 6 fields (minutes hours day-of-month month day-of-week "
            f"year); {len(fields)} given"
        )
    for spec, text in zip(_CRON_FIELDS, fields, strict=True):
        _validate_cron_field(spec, text)
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleExpressionError(
            "exactly one of day-of-month and day-of-week must be '?' "
            f"(given {day_of_month!r} and {day_of_week!r}); e.g. 'cron(0 3 * * ? *)' or "
            "'cron(0 3 ? * MON *)'"
        )


def _validate_cron_field(spec: _Field, text: str) -> None:
    if text == "?":
        if spec.name not in ("day-of-month", "day-of-week"):
            raise ScheduleExpressionError(
                f"'?' is allowed only in day-of-month or day-of-week, not in {spec.name}"
            )
        return
    if spec.name == "day-of-week" and "#" in text:
        match = re.fullmatch(r"(\w+)#([1-5])", text)
        if not match:
            raise ScheduleExpressionError(
                f"day-of-week {text!r}: with '#' only one 'weekday#n' expression is allowed "
                "(n from 1 to 5), e.g. '3#2'"
            )
        _parse_value(spec, match.group(1))
        return
    if spec.name == "day-of-month" and text in ("L", "LW"):
        return
    if spec.name == "day-of-month" and text.endswith("W"):
        _parse_value(spec, text[:-1])
        return
    if spec.name == "day-of-week" and text.endswith("L") and text != "L":
        _parse_value(spec, text[:-1])
        return
    if spec.name == "day-of-week" and text == "L":
        return
    for part in text.split(","):
        _validate_cron_part(spec, part)


def _validate_cron_part(spec: _Field, part: str) -> None:
    if "/" in part:
        if not spec.allow_slash:
            raise ScheduleExpressionError(f"{spec.name} does not accept the '/' wildcard")
        start, _, step = part.partition("/")
        if not step.isdigit() or int(step) < 1:
            raise ScheduleExpressionError(
                f"{spec.name} increment {step!r} must be a positive whole number"
            )
        if start != "*":
            _validate_range(spec, start)
        return
    if part == "*":
        return
    _validate_range(spec, part)


def _validate_range(spec: _Field, text: str) -> None:
    if "-" in text:
        low, _, high = text.partition("-")
        _parse_value(spec, low)
        _parse_value(spec, high)
        return
    _parse_value(spec, text)


def _parse_value(spec: _Field, text: str) -> int:
    if spec.names and text.upper() in spec.names:
        return spec.names[text.upper()]
    if not text.isdigit():
        raise ScheduleExpressionError(
            f"{spec.name} value {text!r} is not allowed; use {spec.low}-{spec.high}"
            + (
                f" or {'-'.join([next(iter(spec.names)), list(spec.names)[-1]])}"
                if spec.names
                else ""
            )
        )
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise ScheduleExpressionError(
            f"{spec.name} value {value} is out of range {spec.low}-{spec.high}"
        )
    return value
