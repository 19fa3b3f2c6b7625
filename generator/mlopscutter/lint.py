"""``mlopscutter lint``: every linter over a generated project, one list of findings.

- cfn-lint, as a library with one Runner reused, on every CloudFormation template;
- a parse of every YAML and JSON file;
- shape checks of CodeBuild buildspecs (which no public schema covers), including that each
  command calls a target the project's Makefile defines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mlopscutter.errors import ProjectNotFoundError

if TYPE_CHECKING:
    from mlopscutter.profile import OrgProfile

SKIP_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "build",
        "dist",
    }
)
BUILDSPEC_PHASES = ("install", "pre_build", "build", "post_build")
# CloudFormation quotas (CloudFormation User Guide, "quotas"): a template passed inline
# (TemplateBody, as `aws cloudformation deploy` without a bucket and `make deploy` do).
MAX_INLINE_TEMPLATE_BYTES = 51_200
MAX_TEMPLATE_SECTION_ITEMS = {"Resources": 500, "Parameters": 200, "Outputs": 200}
BUILDSPEC_TOP_KEYS = frozenset(
    {"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"}
)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where, which rule, what."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


# libyaml's parser where PyYAML was built with it (its wheels are): the same safe loading,
# several times faster than the pure-Python parser.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnTagLoader(_SafeLoader):  # type: ignore[misc]
    """A YAML loader that accepts CloudFormation's short-form tags (!Ref, !Sub, ...)."""


def _any_tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CfnTagLoader.add_multi_constructor("!", _any_tag)


def iter_files(project_dir: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    """Files under ``project_dir`` with one of ``suffixes``, skipping tool and cache folders."""
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if any(part in SKIP_DIRS for part in relative.parts[:-1]):
            continue
        if path.is_file() and path.suffix in suffixes:
            yield path


def is_cloudformation(document: Any) -> bool:
    return isinstance(document, dict) and (
        "AWSTemplateFormatVersion" in document or "Resources" in document
    )


class CfnLinter:
    """cfn-lint with its rules loaded once; reuse one instance for many templates."""

    def __init__(self, regions: list[str], profile: OrgProfile | None = None) -> None:
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        self.profile = profile
        extra: dict[str, Any] = {}
        if profile is not None:
            # The org profile's rules, from the template this installation carries: the same
            # file the generated project's own cfn-lint runs.
            extra = {
                "append_rules": [str(org_rules_dir())],
                "configure_rules": profile.cfn_lint_rule_config(),
            }
        self._runner = Runner(ConfigMixIn(regions=regions, **extra))

    def lint_file(self, path: Path, display: str) -> list[Finding]:
        from cfnlint.decode import decode

        template, matches = decode(str(path))
        if template is not None and not matches:
            matches = list(self._runner.validate_template(template))
        return [
            Finding(display, int(m.linenumber or 0), f"cfn-lint {m.rule.id}", m.message)
            for m in matches
        ]


def _parse_documents(path: Path, display: str) -> tuple[Any, list[Finding]]:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            return json.loads(text), []
        return yaml.load(text, Loader=_CfnTagLoader), []
    except json.JSONDecodeError as error:
        return None, [Finding(display, error.lineno, "parse-json", error.msg)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        return None, [Finding(display, line, "parse-yaml", str(error).splitlines()[0])]


def check_quotas(document: dict[str, Any], size: int, display: str) -> list[Finding]:
    """CloudFormation's template quotas: inline body size and section item counts."""
    findings = []
    if size > MAX_INLINE_TEMPLATE_BYTES:
        findings.append(
            Finding(
                display,
                1,
                "quota-template-size",
                f"{size} bytes; a template passed inline may have at most "
                f"{MAX_INLINE_TEMPLATE_BYTES}",
            )
        )
    for section, limit in MAX_TEMPLATE_SECTION_ITEMS.items():
        count = len(document.get(section) or {})
        if count > limit:
            findings.append(
                Finding(
                    display,
                    1,
                    f"quota-{section.lower()}",
                    f"{count} {section.lower()}; CloudFormation allows {limit}",
                )
            )
    return findings


def makefile_targets(makefile: Path) -> set[str]:
    """Targets a Makefile defines (rules of the form ``name:`` at column 0)."""
    if not makefile.is_file():
        return set()
    targets: set[str] = set()
    for line in makefile.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.%/-]+(?:\s+[A-Za-z0-9_.%/-]+)*)\s*:(?!=)", line)
        if match:
            targets.update(match.group(1).split())
    return targets


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 0


def check_buildspec(document: Any, text: str, display: str, targets: set[str]) -> list[Finding]:
    """Shape checks for a CodeBuild buildspec (version 0.2)."""
    findings: list[Finding] = []

    def add(rule: str, message: str, needle: str = "") -> None:
        findings.append(Finding(display, _line_of(text, needle) if needle else 1, rule, message))

    if not isinstance(document, dict):
        add("buildspec-shape", "a buildspec is a mapping")
        return findings
    if str(document.get("version")) != "0.2":
        add("buildspec-version", "version must be 0.2", "version")
    for key in document:
        if key not in BUILDSPEC_TOP_KEYS:
            add("buildspec-key", f"unknown top-level key {key!r}", f"{key}:")
    phases = document.get("phases")
    if not isinstance(phases, dict) or not phases:
        add("buildspec-phases", "phases must be a non-empty mapping", "phases")
        return findings
    for name, phase in phases.items():
        if name not in BUILDSPEC_PHASES:
            add(
                "buildspec-phase",
                f"unknown phase {name!r}; allowed: {', '.join(BUILDSPEC_PHASES)}",
                f"{name}:",
            )
            continue
        commands = phase.get("commands") if isinstance(phase, dict) else None
        if not isinstance(commands, list) or not commands:
            add("buildspec-commands", f"phase {name!r} needs a non-empty commands list", f"{name}:")
            continue
        for command in commands:
            if not isinstance(command, str):
                add("buildspec-commands", f"phase {name!r}: every command is a string")
                continue
            match = re.fullmatch(r"make ([a-z0-9-]+)(?: [A-Z_]+=\S+)*", command)
            if not match:
                add(
                    "buildspec-make",
                    f"command {command!r} should call a Makefile target "
                    "('make <target>'), not inline logic",
                    command,
                )
            elif targets and match.group(1) not in targets:
                add(
                    "buildspec-make-target",
                    f"command {command!r} calls a target the Makefile does not define",
                    command,
                )
    artifacts = document.get("artifacts")
    if artifacts is not None and not (
        isinstance(artifacts, dict) and isinstance(artifacts.get("files"), list)
    ):
        add("buildspec-artifacts", "artifacts needs a files list", "artifacts")
    env = document.get("env")
    if env is not None:
        for section in ("variables", "parameter-store", "exported-variables"):
            value = env.get(section) if isinstance(env, dict) else None
            if value is not None and not isinstance(value, (dict, list)):
                add("buildspec-env", f"env.{section} has the wrong shape", section)
    return findings


@dataclass(frozen=True)
class LintReport:
    """Every finding, and the linters that could not run here (with why)."""

    findings: list[Finding]
    skipped: list[str]


def lint_report(
    project_dir: Path,
    regions: Iterable[str] | None = None,
    cfn_linter: CfnLinter | None = None,
    *,
    checkov: bool = True,
    profile: OrgProfile | None = None,
) -> LintReport:
    """Run every linter on ``project_dir``: the findings, and which linters were missing.

    :raises ProjectNotFoundError: when the directory does not exist.
    """
    from mlopscutter.security_lint import run_checkov
    from mlopscutter.workflow_lint import lint_workflows

    findings = lint_project(project_dir, regions, cfn_linter, profile)
    workflows = lint_workflows(project_dir)
    findings += workflows.findings
    skipped = list(workflows.skipped)
    if checkov:
        security = run_checkov([project_dir], project_dir)
        if isinstance(security, str):
            skipped.append(security)
        else:
            findings += security
    return LintReport(sorted(findings), skipped)


def lint_project(
    project_dir: Path,
    regions: Iterable[str] | None = None,
    cfn_linter: CfnLinter | None = None,
    profile: OrgProfile | None = None,
) -> list[Finding]:
    """Findings of cfn-lint, the YAML/JSON parse and the buildspec checks, sorted by file and
    line (:func:`lint_report` adds the workflow linters). The org ``profile`` (default: the one
    recorded in the project) is enforced with cfn-lint rules.

    :raises ProjectNotFoundError: when the directory does not exist.
    """
    if not project_dir.is_dir():
        raise ProjectNotFoundError(
            f"PROJECT_DIR={str(project_dir)!r} is not a directory; allowed: a generated project"
        )
    if regions is None:
        regions = [_project_region(project_dir)]
    if profile is None:
        profile = _project_profile(project_dir)
    findings: list[Finding] = []
    targets = makefile_targets(project_dir / "Makefile")
    templates: list[tuple[Path, str]] = []
    for path in iter_files(project_dir, (".yaml", ".yml", ".json")):
        display = path.relative_to(project_dir).as_posix()
        document, problems = _parse_documents(path, display)
        findings.extend(problems)
        if problems:
            continue
        if display.startswith("buildspecs/"):
            findings.extend(
                check_buildspec(document, path.read_text(encoding="utf-8"), display, targets)
            )
        elif is_cloudformation(document):
            templates.append((path, display))
            findings.extend(check_quotas(document, path.stat().st_size, display))
    if templates:
        linter = cfn_linter
        if linter is None or linter.profile != profile:
            linter = CfnLinter(list(regions), profile)
        for path, display in templates:
            findings.extend(linter.lint_file(path, display))
    return sorted(findings)


def org_rules_dir() -> Path:
    """The directory of the cfn-lint rules that enforce an org profile."""
    from mlopscutter.template import default_template_dir

    return default_template_dir() / "{{cookiecutter.project_slug}}" / "infra" / "lint_rules"


def _project_profile(project_dir: Path) -> OrgProfile | None:
    from mlopscutter.profile import recorded_profile

    try:
        state = json.loads((project_dir / ".cruft.json").read_text(encoding="utf-8"))
        context = state["context"]["cookiecutter"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return recorded_profile(context)


def _project_region(project_dir: Path) -> str:
    try:
        state = json.loads((project_dir / ".cruft.json").read_text(encoding="utf-8"))
        return str(state["context"]["cookiecutter"]["aws_region"])
    except (OSError, ValueError, KeyError, TypeError):
        return "us-east-1"
