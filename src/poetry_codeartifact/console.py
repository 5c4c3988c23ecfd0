"""How the plugin talks to the terminal.

Shared by the refresh hook and the commands so that warnings, debug output and expiry times
read the same everywhere. Nothing written here ever contains a token.
"""

from __future__ import annotations

import time
import traceback
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cleo.formatters.formatter import Formatter

from poetry_codeartifact.paths import TOKENS_NAME
from poetry_codeartifact.settings import toml_loads
from poetry_codeartifact.store import FILE

if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.poetry import Poetry

PREFIX = "CodeArtifact"


def escape(text: str) -> str:
    return Formatter.escape(text)


def warn(io: IO, message: str) -> None:
    io.write_error_line(f"<warning>{PREFIX}: {escape(message)}</warning>")


def debug(io: IO, message: str) -> None:
    if io.is_debug():
        io.write_error_line(f"<debug>{PREFIX}: {escape(message)}</debug>")


def debug_traceback(io: IO, error: BaseException) -> None:
    """At ``-vvv`` only, the traceback of the AWS or storage failure behind ``error``."""
    cause = error.__cause__ or error
    if io.is_debug():
        lines = traceback.format_exception(type(cause), cause, cause.__traceback__)
        io.write_error_line(escape("".join(lines).rstrip()))


def describe_expiry(expires_at: float | None, now: float | None = None) -> str:
    """``2026-11-25 10:19 CET (in 11h 59m)``, or ``expired ... ago``."""
    if expires_at is None:
        return "expiry unknown"
    now = time.time() if now is None else now
    local = datetime.fromtimestamp(expires_at).astimezone()
    stamp = local.strftime("%Y-%m-%d %H:%M %Z").strip()
    left = int(expires_at - now)
    if left <= 0:
        return f"{stamp} (expired {_span(-left)} ago)"
    return f"{stamp} (in {_span(left)})"


def describe_location(where: str | None) -> str:
    """Where a token lives, in words: ``keyring``, ``codeartifact-tokens.json``, ``memory``."""
    return TOKENS_NAME if where == FILE else (where or "nowhere")


def _span(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def project_data(poetry: Poetry) -> dict[str, Any]:
    """The parsed pyproject.toml of a Poetry project, on Poetry 1.8 and 2.x alike.

    Read with the standard TOML parser: Poetry's own ``poetry.pyproject.data`` parses the file
    again with tomlkit, which costs the refresh hook several milliseconds on every command."""
    with open(poetry.pyproject_path, "rb") as handle:
        return toml_loads(handle.read().decode("utf-8"))
