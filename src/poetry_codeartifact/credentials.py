"""What Poetry's own credential settings by source name say (``POETRY_HTTP_BASIC_<NAME>_*``).

The plugin never writes Poetry's ``http-basic.<name>``, on disk or in memory: a token belongs to
a domain, and Poetry turns a request URL into a name through settings a cloned project controls,
so a token under a name could be steered to another host. origins.py decides by the request's
origin instead. Nothing puts a token into ``os.environ``, which child processes would inherit.
A source whose ``POETRY_HTTP_BASIC_<NAME>_PASSWORD`` is set is the user's to manage.
"""

from __future__ import annotations

import os

USERNAME = "aws"


def env_prefix(name: str) -> str:
    return "POETRY_HTTP_BASIC_" + name.upper().replace("-", "_")


def from_environment(name: str) -> bool:
    """True when ``POETRY_HTTP_BASIC_<NAME>_PASSWORD`` is set: Poetry prefers it to anything
    else, so the user manages this source's credential and the plugin leaves it alone. (Set but
    empty counts too: Poetry then sends no password at all; see :func:`empty_in_environment`.)"""
    return os.environ.get(env_prefix(name) + "_PASSWORD") is not None


def empty_in_environment(name: str) -> bool:
    return os.environ.get(env_prefix(name) + "_PASSWORD") == ""


def environment_password(name: str) -> str | None:
    return os.environ.get(env_prefix(name) + "_PASSWORD") or None
