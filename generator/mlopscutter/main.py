"""The library API: :func:`render_project` turns answers into a project on disk.

Validation happens before anything is written; rendering goes to a temporary directory that is
moved into place only when everything succeeded, so a failure leaves nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cookiecutter.config import get_user_config
from cookiecutter.exceptions import CookiecutterException
from cookiecutter.generate import generate_context, generate_files
from cookiecutter.prompt import prompt_for_config
from cookiecutter.repository import determine_repo_dir
from jinja2 import TemplateError

from mlopscutter.errors import OutputExistsError, RenderError, ValidationErrors
from mlopscutter.escaping import jinja_literal
from mlopscutter.hooks import post_generate
from mlopscutter.metadata import cruft_state, write_cruft_file
from mlopscutter.options import SPECS_BY_NAME, early_errors, parse_options
from mlopscutter.profile import PROFILE_CONTEXT_KEY, OrgProfile
from mlopscutter.template import (
    git_commit,
    importable_template,
    is_installed_template,
    local_template_dir,
)


def render_project(
    answers: Mapping[str, Any],
    output_dir: Path,
    template: str | None = None,
    *,
    no_input: bool = True,
    checkout: str | None = None,
    profile: OrgProfile | None = None,
) -> Path:
    """Render the template with ``answers`` into ``output_dir/<project_slug>``.

    ``template`` is a local directory or a git URL; ``None`` uses the template this
    installation carries. With ``no_input=False`` the remaining options are prompted for.
    An org ``profile`` supplies defaults and locks, narrows allowed values and is recorded in
    the project's metadata.

    :raises ValidationErrors: when the answers break a rule (nothing is written).
    :raises OutputExistsError: when the project directory exists already.
    :raises RenderError: when cookiecutter fails (nothing is left behind).
    """
    errors = early_errors(answers)
    if errors:
        raise ValidationErrors(errors)
    if profile is not None:
        answers = {
            **profile.merge_answers(answers),
            PROFILE_CONTEXT_KEY: profile.as_document(),
        }
    config = get_user_config()
    local = local_template_dir(template)
    cleanup: bool = False
    if local is None:
        assert template is not None
        repo_dir, cleanup = determine_repo_dir(
            template=template,
            abbreviations=config["abbreviations"],
            clone_to_dir=config["cookiecutters_dir"],
            checkout=checkout,
            no_input=no_input,
        )
        template_dir = Path(repo_dir)
    else:
        template_dir = local
    try:
        return _render(
            answers, Path(output_dir), template_dir, template, config, no_input, checkout
        )
    finally:
        if cleanup:
            shutil.rmtree(template_dir, ignore_errors=True)


def _render(
    answers: Mapping[str, Any],
    output_dir: Path,
    template_dir: Path,
    template: str | None,
    config: dict[str, Any],
    no_input: bool,
    checkout: str | None,
) -> Path:
    with importable_template(template_dir):
        context = generate_context(
            context_file=str(template_dir / "cookiecutter.json"),
            default_context=config["default_context"],
            extra_context={key: _literal(key, value) for key, value in answers.items()},
        )
        # The recorded profile is not a question: keep it out of the prompts.
        recorded_profile = context["cookiecutter"].pop(PROFILE_CONTEXT_KEY, {})
        context["cookiecutter"] = prompt_for_config(context, no_input)
        context["cookiecutter"][PROFILE_CONTEXT_KEY] = recorded_profile
        options = parse_options(context["cookiecutter"])
        destination = output_dir / options.project_slug
        if destination.exists():
            raise OutputExistsError(
                f"output: {destination} exists already; allowed: a directory that does not "
                "exist yet (choose another -o DIR or project_slug)"
            )
        source = template if template is not None else str(template_dir)
        commit = git_commit(template_dir)
        context["cookiecutter"]["_template"] = source
        context["cookiecutter"]["_commit"] = commit
        context["cookiecutter"]["_repo_dir"] = str(template_dir)
        context["cookiecutter"]["_checkout"] = checkout
        # The template's hook scripts call this installation's own code when the template is
        # the one it carries (mlopscutter.hooks: pre_generate's validation, done above, and
        # post_generate): call it here rather than in two Python subprocesses. Any other
        # template runs its own hook scripts.
        in_process_hooks = is_installed_template(template_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".mlopscutter-", dir=output_dir))
        try:
            context["cookiecutter"]["_output_dir"] = str(staging)
            try:
                rendered = Path(
                    generate_files(
                        repo_dir=str(template_dir),
                        context=context,
                        output_dir=str(staging),
                        accept_hooks=not in_process_hooks,
                    )
                )
            except (CookiecutterException, TemplateError) as error:
                raise RenderError(f"rendering failed: {error}") from error
            if in_process_hooks:
                post_generate(context["cookiecutter"], rendered, template_dir)
            write_cruft_file(
                rendered, cruft_state(source, commit, context["cookiecutter"], checkout)
            )
            rendered.rename(destination)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return destination


def _literal(name: str, value: Any) -> Any:
    """Keep a free-text answer literal through cookiecutter's rendering of answers."""
    spec = SPECS_BY_NAME.get(name)
    if isinstance(value, str) and spec is not None and spec.kind != "choice":
        return jinja_literal(value)
    return value
