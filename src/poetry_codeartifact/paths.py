"""Where the plugin keeps its files: in Poetry's config directory, beside auth.toml.

One place answers "which directory" for the state file, the token file, the lock and the
user-level settings, so that every module agrees with Poetry (``POETRY_CONFIG_DIR`` included).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATE_NAME = "codeartifact-state.json"
TOKENS_NAME = "codeartifact-tokens.json"
SETTINGS_NAME = "codeartifact.toml"


def config_dir(config: Any = None) -> Path:
    """Poetry's config directory: where ``config`` keeps auth.toml, or Poetry's default."""
    source = getattr(config, "auth_config_source", None)
    path = getattr(getattr(source, "file", None), "path", None)
    if path is not None:
        return Path(path).parent
    from poetry.locations import CONFIG_DIR

    return Path(CONFIG_DIR)


def auth_file(config: Any) -> Path | None:
    """Poetry's auth.toml, or None for a config without files (tests)."""
    path = getattr(getattr(getattr(config, "auth_config_source", None), "file", None), "path", None)
    return Path(path) if path is not None else None
