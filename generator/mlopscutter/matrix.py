"""The pairwise-covering answer matrix, computed from the option declarations.

Every pair of representative values of two options appears in some row, unless the rules make
that pair impossible. Cross-option rules prune partial rows as soon as all the options a rule
reads are placed, so allpairspy never builds an invalid row.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

from allpairspy import AllPairs

from mlopscutter.options import OPTION_SPECS, default_answers, fill_derived_defaults
from mlopscutter.rules import RULES, Rule


def _broken_rules(partial: Mapping[str, Any]) -> list[Rule]:
    """The rules ``partial`` breaks among those whose options it all places."""
    values = fill_derived_defaults({**default_answers(), **partial})
    return [
        rule
        for rule in RULES
        if set(rule.options) <= set(partial)
        and rule.applies(values)
        and rule.check(values) is not None
    ]


def _consistent(partial: Mapping[str, Any]) -> bool:
    return not _broken_rules(partial)


def _repaired(row: dict[str, Any], fixed: set[str]) -> dict[str, Any] | None:
    """``row`` made consistent by putting the other options of the rules it breaks back to
    their defaults (never those in ``fixed``), or None when that does not do."""
    defaults = fill_derived_defaults(default_answers())
    for _ in range(len(RULES)):
        broken = _broken_rules(row)
        if not broken:
            return row
        resets = {
            name: defaults[name]
            for rule in broken
            for name in rule.options
            if name not in fixed and row[name] != defaults[name]
        }
        if not resets:
            return None
        row = {**row, **resets}
    return None


def pairwise_answers() -> list[dict[str, Any]]:
    """Rows of answers covering every valid pair of representative values."""
    names = [spec.name for spec in OPTION_SPECS]
    parameters = [list(spec.matrix_values()) for spec in OPTION_SPECS]

    def keep(row: list[Any]) -> bool:
        return _consistent(dict(zip(names, row, strict=False)))

    rows = [dict(zip(names, row, strict=True)) for row in AllPairs(parameters, filter_func=keep)]
    return _complete(rows)


def uncovered_pairs(rows: list[dict[str, Any]]) -> list[tuple[str, Any, str, Any]]:
    """Pairs of representative values that no row holds."""
    seen = {(a, row[a], b, row[b]) for row in rows for a, b in combinations(row, 2)}
    return [
        (a.name, va, b.name, vb)
        for a, b in combinations(OPTION_SPECS, 2)
        for va in a.matrix_values()
        for vb in b.matrix_values()
        if (a.name, va, b.name, vb) not in seen
    ]


def _complete(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """allpairspy's greedy search can miss pairs its filter made hard. For each missed pair
    that some row (or the defaults) can carry without breaking a rule, add such a row, and let
    it carry as many other missed pairs as it can without dropping one it already carries;
    until no more can be added. The defaults stand in with representative values only (a
    derived default such as the slug is none)."""
    defaults = fill_derived_defaults(default_answers())
    for spec in OPTION_SPECS:
        if defaults[spec.name] not in spec.matrix_values():
            defaults[spec.name] = spec.matrix_values()[0]
    hopeless: set[tuple[str, Any, str, Any]] = set()
    added = True
    while added:
        added = False
        for a, va, b, vb in uncovered_pairs(rows):
            if (a, va, b, vb) in hopeless or any(row[a] == va and row[b] == vb for row in rows):
                continue
            candidates = [{**candidate, a: va, b: vb} for candidate in [*rows, defaults]]
            row = next((c for c in candidates if _consistent(c)), None)
            if row is None:
                # Failing that, a row with the pair, repaired.
                repaired = (_repaired(c, {a, b}) for c in candidates)
                row = next((r for r in repaired if r is not None), None)
            if row is None:
                hopeless.add((a, va, b, vb))
            else:
                rows.append(_carry_more(row, {a, b}, uncovered_pairs(rows)))
                added = True
    return rows


def _carry_more(
    row: dict[str, Any], fixed: set[str], missed: list[tuple[str, Any, str, Any]]
) -> dict[str, Any]:
    """``row`` changed to also hold each pair of ``missed`` it can, keeping ``fixed`` options."""
    for c, vc, d, vd in missed:
        if (c in fixed and row[c] != vc) or (d in fixed and row[d] != vd):
            continue
        trial = {**row, c: vc, d: vd}
        if trial != row and _consistent(trial):
            row = trial
            fixed |= {c, d}
    return row
