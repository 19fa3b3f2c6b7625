"""EventBridge schedule expressions: AWS's documented valid and invalid examples."""

from __future__ import annotations

import pytest

from mlopscutter.schedule import ScheduleExpressionError, validate_schedule_expression

VALID = [
    # EventBridge user guide, cron and rate expression references
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 20-2 ? * MON-FRI *)",
    "cron(0 12 * * ? *)",
    "cron(5,35 14 * * ? *)",
    "cron(15 10 ? * 6L 2019-2022)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 3W * ? *)",
    "cron(0 0 ? JAN,FEB,MAR 1-7 *)",
    "cron(1/10 * * * ? *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(1 day)",
    "rate(7 days)",
]

INVALID = [
    ("rate(1 hours)", "singular"),
    ("rate(5 hour)", "plural"),
    ("rate(1 minutes)", "singular"),
    ("rate(0 hour)", "positive"),
    ("rate(-1 day)", "positive"),
    ("rate(1.5 hours)", "positive whole number"),
    ("rate(30 seconds)", "minute(s), hour(s), day(s)"),
    ("rate(1 week)", "minute(s), hour(s), day(s)"),
    ("rate(5)", "rate(<value> <unit>)"),
    ("rate(five minutes)", "positive whole number"),
    ("daily", "must be 'cron("),
    ("cron()", "6 fields"),
    ("cron(0 */1 * * WED)", "6 fields"),
    ("cron(0 0 12 * * ? *)", "6 fields"),
    ("cron(* 1 * * * *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 12 * * * *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 12 1 * MON *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week"),
    ("cron(60 * * * ? *)", "minutes value 60 is out of range 0-59"),
    ("cron(0 24 * * ? *)", "hours value 24 is out of range 0-23"),
    ("cron(0 0 ? * 8 *)", "day-of-week value 8 is out of range 1-7"),
    ("cron(0 0 1 1 ? 2200)", "year value 2200 is out of range 1970-2199"),
    ("cron(0 0 ? * 2/2 *)", "day-of-week does not accept the '/'"),
    ("cron(0 0 ? * 3#1,6#3 *)", "only one 'weekday#n'"),
    ("cron(0 0 ? FOO * *)", "month value 'FOO'"),
    ("cron(? 0 * * ? *)", "'?' is allowed only in day-of-month or day-of-week"),
    ("cron(0 0 * * ? *)" + " " * 250, "at most 256"),
]


@pytest.mark.parametrize("expression", VALID)
def test_documented_valid_expressions_pass(expression: str) -> None:
    validate_schedule_expression(expression)


@pytest.mark.parametrize(("expression", "reason"), INVALID)
def test_invalid_expressions_are_rejected_with_the_reason(expression: str, reason: str) -> None:
    with pytest.raises(ScheduleExpressionError) as caught:
        validate_schedule_expression(expression)
    assert reason in str(caught.value)
