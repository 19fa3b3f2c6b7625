"""checkov, as mlopscutter lint runs it: offline, from its own environment."""

from __future__ import annotations

from pathlib import Path

from mlopscutter.lint import lint_report
from mlopscutter.security_lint import run_checkov

UNENCRYPTED_QUEUE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: plain
"""


def test_checkov_findings_name_file_line_and_check(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "queue.yaml").write_text(UNENCRYPTED_QUEUE)
    findings = run_checkov([tmp_path / "infra"], tmp_path)
    assert not isinstance(findings, str), f"not run: {findings}"
    assert [(f.path, f.line, f.rule) for f in findings] == [
        ("infra/queue.yaml", 3, "checkov CKV_AWS_27")
    ]


def test_an_inline_skip_with_a_reason_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    skipped = UNENCRYPTED_QUEUE.replace(
        "    Properties:\n",
        "    Metadata:\n      checkov:\n        skip:\n          - id: CKV_AWS_27\n"
        "            comment: test queue without data\n    Properties:\n",
    )
    (tmp_path / "infra" / "queue.yaml").write_text(skipped)
    assert run_checkov([tmp_path / "infra"], tmp_path) == []


def test_lint_report_includes_checkov(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "queue.yaml").write_text(UNENCRYPTED_QUEUE)
    report = lint_report(tmp_path)
    assert "checkov CKV_AWS_27" in {f.rule for f in report.findings}
