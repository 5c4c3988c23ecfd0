"""Poetry's credential storage for ``http-basic.<name>``, seen from the plugin.

Writes go through Poetry's own ``PasswordManager`` (keyring where Poetry uses one, auth.toml
otherwise) and are merged into the running process's ``Config`` as well: Poetry loaded auth.toml
before the plugin ran, so storage alone would leave this very command with the old token.
Nothing here puts a token into ``os.environ``, which child processes would inherit.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from poetry.config.config import Config

USERNAME = "aws"

KEYRING = "keyring"
AUTH_TOML = "auth.toml"
MEMORY = "memory"
ENVIRONMENT = "environment"


def env_prefix(name: str) -> str:
    return "POETRY_HTTP_BASIC_" + name.upper().replace("-", "_")


class CredentialStore:
    """``memory_only`` (``POETRY_CODEARTIFACT_STORE=memory``) keeps new tokens in this process:
    nothing is written to the keyring or auth.toml."""

    def __init__(self, config: Config, warn: Callable[[str], None] | None = None, *, memory_only: bool = False) -> None:
        self._config = config
        self._warn = warn or (lambda message: None)
        self._keyring_failed = False
        self._memory: set[str] = set()
        self._memory_only = memory_only

    # -- reading ---------------------------------------------------------------------------

    def from_environment(self, name: str) -> bool:
        """True when ``POETRY_HTTP_BASIC_<NAME>_PASSWORD`` is set: Poetry prefers it to any
        stored credential, so the user manages this token and the plugin leaves it alone."""
        return os.environ.get(env_prefix(name) + "_PASSWORD") is not None

    def current(self, name: str) -> str | None:
        """The password Poetry would send for ``name`` right now."""
        password = self._config.get(f"http-basic.{name}.password")
        if password:
            return str(password)
        username = self._config.get(f"http-basic.{name}.username")
        if username and self._use_keyring():
            return self._keyring_get(name, str(username))
        return None

    def on_disk(self, name: str) -> str | None:
        """The stored password as it is now on disk, which another process may have changed
        since this one loaded auth.toml."""
        if name in self._memory:
            return self.current(name)
        entry = self._read_auth_file().get("http-basic", {}).get(name, {})
        if not isinstance(entry, dict):
            return None
        if entry.get("password"):
            return str(entry["password"])
        if entry.get("username") and self._use_keyring():
            return self._keyring_get(name, str(entry["username"]))
        return None

    def location(self, name: str) -> str | None:
        """Where the credential Poetry would use lives, for ``status``."""
        if self.from_environment(name):
            return ENVIRONMENT
        if name in self._memory:
            return MEMORY
        if self._config.get(f"http-basic.{name}.password"):
            return AUTH_TOML
        if self._config.get(f"http-basic.{name}.username") and self._use_keyring():
            return KEYRING
        return None

    # -- writing ---------------------------------------------------------------------------

    def save(self, name: str, token: str) -> str:
        """Store the token persistently and for this process; return where it went."""
        from poetry.utils.password_manager import PasswordManager

        where = MEMORY
        if self._memory_only:
            self.use_in_process(name, token)
            self._memory.add(name)
            return where
        path = self._auth_path()
        if path is not None:  # Poetry does not create its config directory itself
            path.parent.mkdir(parents=True, exist_ok=True)
        if not self._keyring_failed:
            manager = PasswordManager(self._config)
            try:
                manager.set_http_password(name, USERNAME, token)
                where = KEYRING if manager.use_keyring else AUTH_TOML
            except Exception as error:  # keyring backends raise anything
                self._keyring_failed = True
                self._warn(
                    f"the keyring refused the CodeArtifact token for '{name}' "
                    f"({type(error).__name__}); it is kept in memory for this run only. "
                    "To store tokens in Poetry's auth.toml instead, run "
                    "`poetry config keyring.enabled false`."
                )
        if where == AUTH_TOML:
            self._secure_auth_file()
        self.use_in_process(name, token)
        if where == MEMORY:
            self._memory.add(name)
        return where

    def use_in_process(self, name: str, token: str) -> None:
        """Make the running Poetry send ``token`` for ``name`` from now on."""
        self._config.merge({"http-basic": {name: {"username": USERNAME, "password": token}}})

    def forget(self, name: str) -> list[str]:
        """Remove the stored credential (keyring and auth.toml); return where it was found."""
        from poetry.utils.password_manager import PasswordManager

        found = []
        entry = self._read_auth_file().get("http-basic", {}).get(name)
        if isinstance(entry, dict):
            found.append(KEYRING if entry.get("username") and not entry.get("password") else AUTH_TOML)
        manager = PasswordManager(self._config)
        try:
            manager.delete_http_password(name)  # keyring entry (if any) and auth.toml
        except Exception as error:  # keyring backends raise anything
            self._warn(f"the keyring could not delete the credential of '{name}' ({type(error).__name__}).")
        http_basic = self._config.raw().get("http-basic")
        if isinstance(http_basic, dict):  # and from this process
            http_basic.pop(name, None)
        self._memory.discard(name)
        self._secure_auth_file()
        return found

    # -- helpers ---------------------------------------------------------------------------

    def _auth_path(self) -> Any:
        source = getattr(self._config, "auth_config_source", None)
        file = getattr(source, "file", None)
        return getattr(file, "path", None)

    def _read_auth_file(self) -> dict[str, Any]:
        path = self._auth_path()
        if path is None:  # a test config without files: memory is the truth
            return {"http-basic": self._config.get("http-basic") or {}}
        try:
            import tomlkit

            with open(path, encoding="utf-8") as handle:
                return dict(tomlkit.load(handle).unwrap())
        except (OSError, ValueError):
            return {}

    def _secure_auth_file(self) -> None:
        path = self._auth_path()
        if path is not None and os.path.exists(path):
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)

    def _use_keyring(self) -> bool:
        if self._keyring_failed or not self._config.get("keyring.enabled"):
            return False
        from poetry.utils.password_manager import PasswordManager

        return bool(PasswordManager(self._config).use_keyring)

    def _keyring_get(self, name: str, username: str) -> str | None:
        from poetry.utils.password_manager import PasswordManager

        try:
            value = PasswordManager(self._config).keyring.get_password(name, username)
        except Exception:
            return None
        return str(value) if value else None
