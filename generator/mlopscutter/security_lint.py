"""checkov over a project's CloudFormation templates, when it is installed.

checkov pins an old boto3, so it lives in its own environment: on PATH, in
``$MLOPSCUTTER_CHECKOV``, or in ``.venv-checkov`` beside the active virtual environment (where
``make install`` puts it). It runs offline (no policy download). A check is skipped only inline,
in a resource's ``Metadata.checkov.skip`` with a written comment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlopscutter.lint import Finding

CHECKOV_ENV = "MLOPSCUTTER_CHECKOV"


def checkov_executable() -> str | None:
    candidates = [
        os.environ.get(CHECKOV_ENV),
        str(Path(sys.prefix).parent / ".venv-checkov" / "bin" / "checkov"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("checkov")


def run_checkov(directories: Sequence[Path], relative_to: Path) -> list[Finding] | str:
    """Failed checkov checks over the CloudFormation templates under ``directories``, or why
    checkov could not run."""
    checkov = checkov_executable()
    if checkov is None:
        return "checkov (its own virtual environment: `make install`, or pip install checkov)"
    command = [
        checkov,
        "--skip-download",
        "--quiet",
        "--compact",
        "--output",
        "json",
        "--framework",
        "cloudformation",
    ]
    for directory in directories:
        command += ["--directory", str(directory)]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    if result.returncode not in (0, 1):
        return f"checkov (it failed: {result.stderr.strip()[-300:]})"
    findings = set()
    for report in _json_documents(result.stdout):
        for check in report.get("results", {}).get("failed_checks", []):
            located = Path(check["file_abs_path"])
            try:
                shown = located.resolve().relative_to(relative_to.resolve()).as_posix()
            except ValueError:
                shown = str(located)
            findings.add(
                Finding(
                    shown,
                    int(check["file_line_range"][0]),
                    f"checkov {check['check_id']}",
                    f"{check['check_name']} ({check['resource']})",
                )
            )
    return sorted(findings)


def _json_documents(text: str) -> list[dict[str, Any]]:
    """checkov prints one JSON report per directory (or a list of them), one after another."""
    decoder, documents, index = json.JSONDecoder(), [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        document, index = decoder.raw_decode(text, index)
        documents.extend(document if isinstance(document, list) else [document])
    return documents
