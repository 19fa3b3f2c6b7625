"""Property-based: arbitrary answers give either a validation error (nothing written) or a
project in which every YAML, JSON, TOML and Python file parses, no free text escaped its
quoting, and every CloudFormation template is cfn-lint clean."""

from __future__ import annotations

import ast
import atexit
import functools
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlopscutter.errors import ProfileError, ValidationErrors
from mlopscutter.lint import _CfnTagLoader, lint_project
from mlopscutter.main import render_project
from mlopscutter.matrix import pairwise_answers
from mlopscutter.options import OPTION_SPECS, SPECS_BY_NAME, parse_options
from mlopscutter.profile import parse_profile
from mlopscutter.regions import COMMERCIAL_REGIONS
from tests.helpers import REPO_ROOT, make_template_repo, render, run

EXAMPLES = 100
FRAGMENTS = [
    '"',
    "'",
    ":",
    ": ",
    "#",
    " #",
    "\n",
    "\r\n",
    "{{",
    "}}",
    "{%",
    "%}",
    "${{",
    "#{",
    "${",
    "`",
    "$(",
    ")",
    "\\",
    "- ",
    "---",
    "\t",
    "é",
    "東京",
    "🚀",
    "\u2028",
    "&",
    "<script>",
    "|",
    ">",
    "*",
    "!Ref",
    "@",
    "%",
    "null",
    "~",
]
free_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), min_size=1, max_size=12
).map("".join)


FREE_TEXT = ("project_name", "description", "owner")
adversarial_text = free_text.filter(lambda text: bool(text.strip()))


def _arbitrary(name: str) -> st.SearchStrategy[Any]:
    spec = SPECS_BY_NAME[name]
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    if spec.kind == "int":
        assert spec.minimum is not None and spec.maximum is not None
        return st.one_of(
            st.sampled_from(spec.matrix_values()), st.integers(spec.minimum - 2, spec.maximum + 2)
        )
    if name == "aws_region":
        return st.one_of(st.sampled_from(sorted(COMMERCIAL_REGIONS)), free_text)
    return st.one_of(st.sampled_from(spec.samples or (spec.default,)), free_text)


# Anything at all, valid or not.
arbitrary_answers = st.fixed_dictionaries(
    {spec.name: _arbitrary(spec.name) for spec in OPTION_SPECS}
)
# A valid combination of the structural options (a pairwise row) carrying adversarial free text:
# every case renders, so every case exercises the escaping.
renderable_answers = st.builds(
    lambda row, texts: {**row, **texts},
    st.sampled_from(pairwise_answers()),
    st.fixed_dictionaries({name: adversarial_text for name in FREE_TEXT}),
)


# One case in ten renders from a copy of the template. A template other than the one this
# installation carries runs its own hook scripts, in Python subprocesses, and those scripts
# carry the answers too; the other cases run the same hook code in-process.
HOOK_SCRIPT_SHARE = 10


@functools.cache
def _template_copy() -> Path:
    """A git repository holding a copy of the template, made once per process."""
    directory = Path(tempfile.mkdtemp(prefix="template-copy-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return make_template_repo(directory)


def _render_case(answers: dict[str, Any], output_dir: Path, through_hook_scripts: bool) -> Path:
    if through_hook_scripts:
        return render_project(answers, output_dir, str(_template_copy()), no_input=True)
    return render(answers, output_dir)


def _check_project(project: Path, given: dict[str, Any], linters: Any) -> None:
    for path in project.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            yaml.load(text, Loader=_CfnTagLoader)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix == ".py":
            ast.parse(text)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == given["description"]
    state = json.loads((project / ".cruft.json").read_text())
    for name in ("project_name", "description", "owner"):
        assert state["context"]["cookiecutter"][name] == given[name]
    findings = lint_project(project, cfn_linter=linters(given["aws_region"]))
    assert findings == [], "\n".join(map(str, findings))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(renderable_answers, st.integers(0, HOOK_SCRIPT_SHARE - 1))
def test_adversarial_free_text_renders_safely(cfn_linters, given_answers: dict, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = _render_case(given_answers, Path(tmp), through_hook_scripts=n == 0)
        _check_project(project, given_answers, cfn_linters)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(arbitrary_answers)
def test_arbitrary_answers_are_rejected_cleanly_or_accepted(given_answers: dict) -> None:
    """Any answers either validate or fail with messages that name an option; the CLI then
    exits 2 and writes nothing (checked for the first cases through the real CLI below)."""
    try:
        parse_options(given_answers)
    except ValidationErrors as error:
        assert error.errors
        for problem in error.errors:
            assert problem.options and all(o in SPECS_BY_NAME for o in problem.options)
            assert problem.options[0] in problem.message


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(arbitrary_answers)
def test_cli_exits_2_and_writes_nothing_on_arbitrary_answers(given_answers: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        answers_file = Path(tmp) / "answers.yaml"
        answers_file.write_text(yaml.safe_dump(given_answers, allow_unicode=True))
        out = Path(tmp) / "out"
        result = run(
            [
                sys.executable,
                "-m",
                "mlopscutter",
                "new",
                str(REPO_ROOT),
                "--answers",
                str(answers_file),
                "--no-input",
                "-o",
                str(out),
            ]
        )
        try:
            parse_options(given_answers)
            valid = True
        except ValidationErrors:
            valid = False
        if valid:
            assert result.returncode == 0, result.stderr
        else:
            assert result.returncode == 2, result.stderr
            assert "mlopscutter: error:" in result.stderr
            assert not out.exists() or not any(out.iterdir())


SLOW_EXAMPLES = 1000
_WORKER_LINTERS: dict[str, Any] = {}


def _render_and_check(given_answers: dict[str, Any], through_hook_scripts: bool) -> str | None:
    """Worker: render and check one case; the failure, or None. Runs in a child process."""
    from mlopscutter.lint import CfnLinter

    def linter_for(region: str) -> CfnLinter:
        if region not in _WORKER_LINTERS:
            _WORKER_LINTERS[region] = CfnLinter([region])
        return _WORKER_LINTERS[region]

    try:
        with tempfile.TemporaryDirectory() as tmp:
            project = _render_case(given_answers, Path(tmp), through_hook_scripts)
            _check_project(project, given_answers, linter_for)
    except Exception as error:  # reported with the answers that caused it
        way = "through the hook scripts" if through_hook_scripts else "hooks in-process"
        return f"{given_answers!r} ({way}): {type(error).__name__}: {error}"
    return None


@pytest.mark.slow
def test_a_thousand_adversarial_answers_render_safely() -> None:
    """The slow tier: hypothesis draws 1,000 cases; both cores render and check them."""
    cases: list[dict[str, Any]] = []

    @settings(
        max_examples=SLOW_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(renderable_answers)
    def collect(given_answers: dict[str, Any]) -> None:
        cases.append(given_answers)

    collect()
    assert len(cases) >= SLOW_EXAMPLES
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=context) as pool:
        ways = [index % HOOK_SCRIPT_SHARE == 0 for index in range(len(cases))]
        failures = [f for f in pool.map(_render_and_check, cases, ways, chunksize=25) if f]
    assert failures == [], "\n".join(failures[:5])


# Org profiles: anything at all where a profile holds text, and, separately, valid profiles whose
# text carries every character a tag or a description may hold.
BOUNDARY = "arn:aws:iam::111122223333:policy/org-boundary"
arbitrary_profiles = st.fixed_dictionaries(
    {
        "name": st.one_of(st.just("org"), free_text),
        "version": st.one_of(st.just("1"), st.integers(0, 99), free_text),
    },
    optional={
        "description": free_text,
        "required_tags": st.dictionaries(adversarial_text, adversarial_text, max_size=3),
        "naming_prefix": free_text,
        "permission_boundary": free_text,
        "kms_key_arn": free_text,
        "accounts": st.dictionaries(st.sampled_from(["tooling", "prod", "dev"]), free_text),
        "defaults": st.dictionaries(st.sampled_from(["owner", "colour"]), free_text),
    },
)
tag_text = st.text(
    alphabet=st.sampled_from(list("aZ09 _.:/=+-@éß東京")), min_size=1, max_size=40
).filter(lambda text: not text.startswith("aws:"))
valid_profiles = st.fixed_dictionaries(
    {
        "name": st.just("org"),
        "version": st.from_regex(r"[A-Za-z0-9._+-]{1,32}", fullmatch=True),
        "description": free_text.filter(lambda text: not set(text) & set("{}\n\r")).map(
            lambda text: text[:256]
        ),
        "required_tags": st.dictionaries(
            tag_text.map(lambda text: text[:128]), tag_text, min_size=1, max_size=4
        ).filter(lambda tags: not set(tags) & {"Project", "Owner", "ManagedBy"}),
        "naming_prefix": st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True),
        "permission_boundary": st.just(BOUNDARY),
    },
)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True)
@given(arbitrary_profiles)
def test_an_arbitrary_profile_is_valid_or_rejected_naming_its_key(document: dict) -> None:
    try:
        parse_profile(document, "p.yaml")
    except ProfileError as error:
        message = str(error).removeprefix("profile p.yaml: ")
        key = re.split(r"[=. ]", message, maxsplit=1)[0]
        assert key in document or key in ("name", "version"), message


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(valid_profiles, st.sampled_from(pairwise_answers()))
def test_a_valid_profile_renders_a_project_that_enforces_it(
    document: dict[str, Any], row: dict[str, Any]
) -> None:
    profile = parse_profile(document, "p.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        project = render(row, Path(tmp), profile)
        # cfn-lint with the profile's rules, recorded in the project: every taggable resource
        # carries the tags, every role the boundary; and everything else stays clean.
        findings = lint_project(project)
        assert findings == [], "\n".join(map(str, findings))
        platform = yaml.load((project / "infra" / "platform.yaml").read_text(), _CfnTagLoader)
        bucket_tags = platform["Resources"]["ArtifactBucket"]["Properties"]["Tags"]
        assert {t["Key"]: t["Value"] for t in bucket_tags}.items() >= profile.required_tags.items()
        assert (
            platform["Resources"]["SageMakerExecutionRole"]["Properties"]["PermissionsBoundary"]
            == BOUNDARY
        )
        state = json.loads((project / ".cruft.json").read_text())
        assert state["context"]["cookiecutter"]["org_profile"] == profile.as_document()
