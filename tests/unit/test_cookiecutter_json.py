"""cookiecutter.json is generated from the option declarations and must agree with them."""

from __future__ import annotations

import dataclasses
import json

from mlopscutter import cookiecutter_json
from mlopscutter.options import OPTION_SPECS, Options
from mlopscutter.profile import PROFILE_CONTEXT_KEY
from tests.helpers import REPO_ROOT


def test_cookiecutter_json_matches_the_declarations() -> None:
    stored = json.loads((REPO_ROOT / "cookiecutter.json").read_text())
    assert stored == cookiecutter_json.cookiecutter_json(), (
        "cookiecutter.json disagrees with mlopscutter.options; run `make cookiecutter-json`"
    )


def test_every_declared_option_is_a_field_and_back() -> None:
    fields = [f.name for f in dataclasses.fields(Options)]
    assert fields[-1] == "profile"  # the org profile the answers were checked against
    assert [spec.name for spec in OPTION_SPECS] == fields[:-1]


def test_choices_default_first_and_supported_subset() -> None:
    for spec in OPTION_SPECS:
        if spec.kind == "choice":
            assert spec.cookiecutter_default()[0] == spec.default
            assert set(spec.supported) <= set(spec.choices)
            assert spec.default in spec.supported


def test_every_option_has_a_prompt() -> None:
    prompts = cookiecutter_json.cookiecutter_json()["__prompts__"]
    assert set(prompts) == {spec.name for spec in OPTION_SPECS} | {PROFILE_CONTEXT_KEY}
    assert all(text.strip() for text in prompts.values())


def test_pre_commit_hook_runs_mlopscutter_check() -> None:
    import yaml

    (hook,) = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["pass_filenames"]) == (
        "mlopscutter-check",
        "mlopscutter check",
        False,
    )
