"""The lint module finds what it should, with file, line and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopscutter.errors import ProjectNotFoundError
from mlopscutter.lint import check_buildspec, lint_project, makefile_targets

BROKEN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketNme: typo
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !GetAtt Missing.Arn
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_cfn_lint_findings_have_file_line_and_rule(tmp_path, cfn_linters) -> None:
    project = _project(tmp_path, {"infra/broken.yaml": BROKEN_TEMPLATE})
    findings = lint_project(project, cfn_linter=cfn_linters("us-east-1"))
    rules = {f.rule for f in findings}
    assert "cfn-lint E3002" in rules  # unknown property
    assert any(r.startswith("cfn-lint E101") for r in rules)  # GetAtt to a missing resource
    typo = next(f for f in findings if f.rule == "cfn-lint E3002")
    assert (typo.path, typo.line) == ("infra/broken.yaml", 6)
    assert str(typo).startswith("infra/broken.yaml:6: [cfn-lint E3002]")


def test_unparsable_yaml_and_json_are_findings(tmp_path) -> None:
    project = _project(
        tmp_path, {"a.yaml": "key: [unclosed\n", "b.json": '{"a": 1,}\n', "ok.yml": "a: !Ref B\n"}
    )
    findings = lint_project(project)
    assert [(f.path, f.rule) for f in findings] == [
        ("a.yaml", "parse-yaml"),
        ("b.json", "parse-json"),
    ]
    assert findings[1].line == 1


def test_tool_folders_are_skipped(tmp_path) -> None:
    project = _project(tmp_path, {".venv/lib/bad.json": "{", "node_modules/x/bad.yaml": ":"})
    assert lint_project(project) == []


def test_missing_project_is_invalid_input(tmp_path) -> None:
    with pytest.raises(ProjectNotFoundError, match="not a directory"):
        lint_project(tmp_path / "nope")


def test_makefile_targets(tmp_path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text("VAR := 1\n.PHONY: a\na b: c\n\techo\ntest-e2e smoke-test: x\n")
    assert {"a", "b", "test-e2e", "smoke-test", ".PHONY"} <= makefile_targets(makefile)
    assert "VAR" not in makefile_targets(makefile)


def test_buildspec_checks_flag_inline_logic_and_bad_shapes() -> None:
    text = (
        "version: 0.1\nphases:\n  compile:\n    commands: [x]\n  build:\n    commands:\n"
        "      - pip install -r requirements.txt\n      - make nope\n"
    )
    document = {
        "version": 0.1,
        "surprise": 1,
        "phases": {
            "compile": {"commands": ["x"]},
            "build": {"commands": ["pip install -r requirements.txt", "make nope"]},
            "install": {},
        },
        "artifacts": {"name": "x"},
    }
    findings = check_buildspec(document, text, "buildspecs/b.yml", {"test"})
    rules = sorted(f.rule for f in findings)
    assert rules == [
        "buildspec-artifacts",
        "buildspec-commands",
        "buildspec-key",
        "buildspec-make",
        "buildspec-make-target",
        "buildspec-phase",
        "buildspec-version",
    ]
    inline = next(f for f in findings if f.rule == "buildspec-make")
    assert inline.line == 7


def test_a_clean_buildspec_has_no_findings() -> None:
    document = {
        "version": 0.2,
        "phases": {"build": {"commands": ["make test STAGE=staging"]}},
        "artifacts": {"files": ["**/*"]},
    }
    assert check_buildspec(document, "", "b.yml", {"test"}) == []


def test_quotas() -> None:
    from mlopscutter.lint import check_quotas

    small = {"Resources": {f"R{i}": {} for i in range(3)}}
    assert check_quotas(small, 1000, "t.yaml") == []
    big = {
        "Resources": {f"R{i}": {} for i in range(501)},
        "Outputs": {f"O{i}": {} for i in range(201)},
    }
    rules = [f.rule for f in check_quotas(big, 51_201, "t.yaml")]
    assert rules == ["quota-template-size", "quota-resources", "quota-outputs"]
