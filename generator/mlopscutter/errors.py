"""Every user-facing error of mlopscutter, in one flat module.

Only the CLI maps these to exit codes: :class:`InvalidInputError` and its subclasses exit 2.
"""

from __future__ import annotations


class MlopscutterError(Exception):
    """Base class of every error mlopscutter raises on purpose."""


class InvalidInputError(MlopscutterError):
    """Raised when the user's input (answers, flags, files) cannot be used; exit code 2."""


class OptionError(InvalidInputError):
    """Raised when one or more options break a validation rule.

    Carries the stable rule id, the option names involved, and a message that names the
    given values and what is allowed.
    """

    def __init__(self, rule_id: str, options: tuple[str, ...], message: str) -> None:
        self.rule_id = rule_id
        self.options = options
        self.message = message
        super().__init__(f"[{rule_id}] {message}")


class ValidationErrors(InvalidInputError):
    """Raised when validation finds one or more :class:`OptionError`; lists all of them."""

    def __init__(self, errors: list[OptionError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"invalid answers ({len(errors)}):\n{lines}")


class AnswersFileError(InvalidInputError):
    """Raised when an answers file is missing, unreadable or not a YAML mapping."""


class TemplateNotFoundError(InvalidInputError):
    """Raised when the template directory has no cookiecutter.json."""


class OutputExistsError(InvalidInputError):
    """Raised when the project directory to be generated already exists."""


class ProjectNotFoundError(InvalidInputError):
    """Raised when a project directory (for lint) does not exist."""


class RenderError(MlopscutterError):
    """Raised when cookiecutter fails while rendering; nothing is left on disk."""


class TemplateUnreachableError(MlopscutterError):
    """Raised when git cannot read the project's template repository."""


class UnknownRefError(InvalidInputError):
    """Raised when ``--checkout`` names no branch, tag or commit of the template."""


class DirtyProjectError(InvalidInputError):
    """Raised when a project to update is not a git work tree with every change committed."""


class DowngradeError(InvalidInputError):
    """Raised when the target template commit is older than the project's recorded one."""


class MigrationsFileError(InvalidInputError):
    """Raised when a template's ``migrations.yaml`` is not well formed."""


class ProfileError(InvalidInputError):
    """Raised when an org profile is unreadable or breaks its schema; names the key."""
