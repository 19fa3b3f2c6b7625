"""The ``mlopscutter`` command line. Exit codes: 0 success, 1 findings, 2 invalid input,
130 interrupted."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mlopscutter import __version__
from mlopscutter.answers import load_answers_file, parse_key_values
from mlopscutter.errors import InvalidInputError, MlopscutterError

EXIT_FINDINGS = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlopscutter")
def cli() -> None:
    """Generate and maintain production-shaped ML projects on AWS."""


@cli.command()
@click.argument("template", required=False)
@click.argument("extra", nargs=-1, metavar="[KEY=VALUE]...")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    help="YAML mapping of option names to values.",
)
@click.option("--no-input", is_flag=True, help="Do not prompt; use answers and defaults.")
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where the project directory is created.",
)
@click.option("--checkout", help="Branch, tag or commit of a git TEMPLATE.")
@click.option(
    "--profile",
    "profile_file",
    type=click.Path(path_type=Path),
    help="The organisation's profile (YAML): defaults, locks, allowed values, tags, naming.",
)
def new(
    template: str | None,
    extra: tuple[str, ...],
    answers_file: Path | None,
    no_input: bool,
    output_dir: Path,
    checkout: str | None,
    profile_file: Path | None,
) -> None:
    """Create a project from TEMPLATE (default: the template this installation carries).

    Answers come from --answers FILE, then KEY=VALUE arguments (which win); the remaining
    options are prompted for unless --no-input is given. An org --profile supplies defaults and
    locks (locks win over every answer) and narrows the allowed values. Nothing is written unless
    every answer is valid.
    """
    from mlopscutter.main import render_project
    from mlopscutter.profile import load_profile

    if template is not None and "=" in template and not Path(template).exists():
        extra = (template, *extra)
        template = None
    answers = load_answers_file(answers_file) if answers_file else {}
    answers.update(parse_key_values(extra))
    profile = load_profile(profile_file) if profile_file else None
    project = render_project(
        answers, output_dir, template, no_input=no_input, checkout=checkout, profile=profile
    )
    click.echo(f"created {project}")


@cli.command()
@click.argument("project_dir", type=click.Path(path_type=Path))
@click.option(
    "--profile",
    "profile_file",
    type=click.Path(path_type=Path),
    help="Enforce this org profile (default: the one recorded in the project).",
)
def lint(project_dir: Path, profile_file: Path | None) -> None:
    """Run every linter on PROJECT_DIR; exit 0 only when all are clean. The org profile is
    enforced with cfn-lint rules (required tags, permissions boundary, the org's KMS key)."""
    from mlopscutter.lint import lint_report
    from mlopscutter.profile import load_profile

    profile = load_profile(profile_file) if profile_file else None
    report = lint_report(project_dir, profile=profile)
    for skipped in report.skipped:
        click.echo(f"not run: {skipped}", err=True)
    findings = report.findings
    for finding in findings:
        click.echo(str(finding))
    if findings:
        click.echo(f"{len(findings)} finding(s)", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo("clean")


@cli.command()
@click.argument("project_dir", type=click.Path(path_type=Path), default=Path("."))
def check(project_dir: Path) -> None:
    """Exit 1 when PROJECT_DIR lags its template (naming both commits), 0 when current."""
    from mlopscutter.updates import check as check_project

    result = check_project(project_dir)
    click.echo(result.describe())
    if not result.current:
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("project_dir", type=click.Path(path_type=Path), default=Path("."))
def diff(project_dir: Path) -> None:
    """Show PROJECT_DIR's changes against its template at the recorded commit and answers."""
    from mlopscutter.updates import diff as diff_project

    click.echo(diff_project(project_dir), nl=False)


@cli.command()
@click.argument("project_dir", type=click.Path(path_type=Path), default=Path("."))
@click.argument("extra", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--checkout", help="Branch, tag or commit of the template to update to.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--no-input", is_flag=True, help="Give options new since then their defaults.")
@click.option(
    "--profile",
    "profile_file",
    type=click.Path(path_type=Path),
    help="Apply this org profile (a new one, or a new version); default: the recorded one.",
)
def update(
    project_dir: Path,
    extra: tuple[str, ...],
    checkout: str | None,
    dry_run: bool,
    no_input: bool,
    profile_file: Path | None,
) -> None:
    """Merge the template's changes since PROJECT_DIR's recorded commit into it.

    Edits that do not overlap the template's merge silently; overlapping ones are left as git
    conflict markers and the exit code is 1. KEY=VALUE changes an answer or answers an option that
    is new since the recorded commit; other new options are prompted for (their defaults with
    --no-input). Refuses a dirty git tree and a downgrade (exit 2). On failure the project is left
    as it was.
    """
    from mlopscutter.profile import load_profile
    from mlopscutter.update import update as update_project

    if "=" in str(project_dir) and not project_dir.exists():
        extra = (str(project_dir), *extra)
        project_dir = Path(".")
    ask = None if no_input or not sys.stdin.isatty() else _ask_new_option
    profile = load_profile(profile_file) if profile_file else None
    result = update_project(
        project_dir,
        checkout,
        dry_run=dry_run,
        answers=parse_key_values(extra),
        ask=ask,
        profile=profile,
    )
    click.echo(result.describe(), nl=False)
    if result.conflicts:
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("project_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per project.")
def status(project_dirs: tuple[Path, ...], as_json: bool) -> None:
    """For each project: its template commit, how far behind the template it is, whether it has
    drifted from what the template renders for its answers, and its org profile. Exit 1 when a
    directory could not be read as a project."""
    from mlopscutter.status import as_json as to_json
    from mlopscutter.status import as_table, fleet_status

    statuses = fleet_status(list(project_dirs))
    click.echo(to_json(statuses) if as_json else as_table(statuses), nl=False)
    if any(s.error for s in statuses):
        sys.exit(EXIT_FINDINGS)


def _ask_new_option(name: str, default: object) -> object:
    if isinstance(default, list):
        return click.prompt(
            f"{name} (new option)", type=click.Choice([str(c) for c in default]), default=default[0]
        )
    if isinstance(default, str) and "{{" in default:
        value = click.prompt(f"{name} (new option; empty: derived)", default="", show_default=False)
        return value or None
    return click.prompt(f"{name} (new option)", default=default)


def main() -> None:
    """Entry point: map mlopscutter's errors to exit codes."""
    try:
        cli.main(prog_name="mlopscutter", standalone_mode=False)
    except InvalidInputError as error:
        click.echo(f"mlopscutter: error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    except MlopscutterError as error:
        click.echo(f"mlopscutter: error: {error}", err=True)
        sys.exit(EXIT_FINDINGS)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_INVALID)


if __name__ == "__main__":
    main()
