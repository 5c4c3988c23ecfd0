"""Handing tokens to the running Poetry, and reading what Poetry's own credential settings say.

The plugin never writes Poetry's ``http-basic.<name>``: a token belongs to a domain, a source
name only to one project, and ``http-basic`` is global to the user, so a stored entry would be
wrong in the next project that uses the name for something else. Instead each CodeArtifact
source name of the current project gets its domain's token in the running process's ``Config``
(Poetry loaded auth.toml before the plugin ran, and reads credentials lazily from that object).
Nothing here puts a token into ``os.environ``, which child processes would inherit, and a
credential the user stored under the same name stays on disk as it was.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from poetry.config.config import Config

USERNAME = "aws"
ENVIRONMENT = "environment"


def env_prefix(name: str) -> str:
    return "POETRY_HTTP_BASIC_" + name.upper().replace("-", "_")


def from_environment(name: str) -> bool:
    """True when ``POETRY_HTTP_BASIC_<NAME>_PASSWORD`` is set: Poetry prefers it to anything
    else, so the user manages this source's credential and the plugin leaves it alone. (Set but
    empty counts too: Poetry then sends no password at all; see :func:`empty_in_environment`.)"""
    return os.environ.get(env_prefix(name) + "_PASSWORD") is not None


def empty_in_environment(name: str) -> bool:
    return os.environ.get(env_prefix(name) + "_PASSWORD") == ""


def hand(config: Config, name: str, token: str) -> None:
    """Make the running Poetry send ``token`` for source ``name`` from now on (memory only)."""
    config.merge({"http-basic": {name: {"username": USERNAME, "password": token}}})


def handed(config: Config, name: str) -> str | None:
    """The password the running Poetry would send for ``name`` from its config (no keyring)."""
    value = _get(config, name, "password")
    return str(value) if value else None


def users_own(config: Config, name: str) -> str | None:
    """The user name of a credential the user stored for ``name`` themselves, if any.

    User ``aws`` is a CodeArtifact token stored by hand (the manual ritual, or 0.1.0 of this
    plugin): the plugin's fresh token supersedes it in memory without a word."""
    username = _get(config, name, "username")
    if not username or str(username) == USERNAME:
        return None
    return str(username)


def _get(config: Config, name: str, field: str) -> object:
    """``http-basic.<name>.<field>`` as Poetry reads it: Poetry 2 takes the key as a list, so a
    name may hold a dot; Poetry 1.8 splits a dotted string (and then cannot find such a name)."""
    try:
        return config.get(["http-basic", name, field])  # type: ignore[arg-type,unused-ignore]
    except (TypeError, AttributeError):
        return config.get(f"http-basic.{name}.{field}")
