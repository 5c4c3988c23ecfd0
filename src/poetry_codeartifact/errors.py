"""The errors the plugin shows to a user.

Each one is a :class:`cleo.exceptions.CleoUserError`, which cleo renders as its message
alone, without a traceback, at every verbosity. The refresh hook and the commands print the
underlying traceback themselves at ``-vvv``.
"""

from __future__ import annotations

from cleo.exceptions import CleoUserError


class CodeArtifactError(CleoUserError):
    """A failure the user can act on: the message says what went wrong and how to fix it."""

    exit_code = 1


class InvalidInput(CodeArtifactError):
    """A value given on the command line or in pyproject.toml breaks a rule."""

    def __init__(self, field: str, value: object, rule: str, fix: str | None = None) -> None:
        self.field = field
        self.value = value
        message = f"Invalid {field} {value!r}: {rule}."
        if fix:
            message += f" {fix}"
        super().__init__(message)


class TokenError(CodeArtifactError):
    """Fetching an authorization token failed; the message names the cause and the fix."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        self.retryable = retryable
        super().__init__(message)
