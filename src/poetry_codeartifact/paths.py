"""Where the plugin keeps its files: in Poetry's config directory, beside auth.toml.

One place answers "which directory" for the state file, the token file, the lock and the
user-level settings, so that every module agrees with Poetry (``POETRY_CONFIG_DIR`` included).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import poetry.locations

if TYPE_CHECKING:
    from poetry.config.config import Config

STATE_NAME = "codeartifact-state.json"
TOKENS_NAME = "codeartifact-tokens.json"
SETTINGS_NAME = "codeartifact.toml"


def config_dir(config: Config | None = None) -> Path:
    """Poetry's config directory: where ``config`` keeps auth.toml (a config read from files),
    or Poetry's default (read at call time: ``POETRY_CONFIG_DIR`` is Poetry's to resolve)."""
    source = config.auth_config_source if config is not None else None
    path = getattr(getattr(source, "file", None), "path", None)
    return Path(path).parent if path is not None else Path(poetry.locations.CONFIG_DIR)
