"""The plugin's own token storage: one token per :class:`TokenKey` (domain, owner, region,
identity), whatever the sources that use it are called in each project.

Tokens go to the keyring when Poetry uses one (service ``poetry-codeartifact``, user name = the
key's id), otherwise to ``codeartifact-tokens.json``, an owner-only file beside auth.toml. A
keyring that refuses a token (Windows Credential Manager's size limit, a locked backend) or does
not answer within a few seconds is not retried: the token goes to the file, with one warning,
so that the next command still finds it without calling AWS. keyring is imported only here, and
only when a token is actually read or written.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from poetry.utils.password_manager import PasswordManager

from poetry_codeartifact.paths import TOKENS_NAME, config_dir
from poetry_codeartifact.state import read_regular_file, write_private_file

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from poetry.config.config import Config

Where = Literal["keyring", "file", "memory"]
KEYRING: Where = "keyring"
FILE: Where = "file"
MEMORY: Where = "memory"
SERVICE = "poetry-codeartifact"
KEYRING_TIMEOUT = 5.0
_UNUSABLE = "keyring.enabled is true, but no backend answers: a locked collection, or no session bus"

T = TypeVar("T")


class KeyringTimeout(Exception):
    pass


class KeyringUnavailable(Exception):
    """Poetry's keyring is enabled, but no backend can be used now (a locked collection, a
    session bus that is gone): a token stored there can neither be read nor removed."""


def bounded(call: Callable[[], T], seconds: float | None = None) -> T:
    """Run ``call`` with a time limit: a keyring backend can hang on a locked session bus.
    The call goes on in a daemon thread that is abandoned (it cannot be killed)."""
    result: list[Any] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed to the caller's thread
            error.append(exc)

    thread = threading.Thread(target=run, name="poetry-codeartifact-keyring", daemon=True)
    limit = KEYRING_TIMEOUT if seconds is None else seconds
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise KeyringTimeout(f"the keyring did not answer within {limit:g} seconds")
    if error:
        raise error[0]
    return result[0]  # type: ignore[no-any-return]


class Store(Protocol):
    """Where tokens are kept, per :class:`TokenKey` id."""

    @property
    def path(self) -> Path | None:
        """The token file, if the store has one."""

    def get(self, key_id: str, where: str) -> str | None: ...

    def put(self, key_id: str, token: str) -> Where: ...

    def delete(self, key_id: str) -> list[Where]: ...


def open_store(config: Config, warn: Callable[[str], None] | None = None, *, memory_only: bool = False) -> Store:
    """The store for this run: in memory only (``POETRY_CODEARTIFACT_STORE=memory``), or Poetry's
    keyring with the owner-only token file beside auth.toml."""
    return MemoryTokenStore() if memory_only else TokenStore(config, warn)


class MemoryTokenStore:
    """Tokens in this process only: nothing on disk, nothing in the keyring (CI mode)."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    @property
    def path(self) -> Path | None:
        return None

    def get(self, key_id: str, where: str) -> str | None:  # noqa: ARG002 - one place holds them all
        return self._tokens.get(key_id)

    def put(self, key_id: str, token: str) -> Where:
        self._tokens[key_id] = token
        return MEMORY

    def delete(self, key_id: str) -> list[Where]:
        return [MEMORY] if self._tokens.pop(key_id, None) is not None else []


class TokenStore:
    """The keyring when Poetry uses one, else the owner-only token file."""

    def __init__(self, config: Config, warn: Callable[[str], None] | None = None) -> None:
        self._config = config
        self._warn = warn or (lambda _message: None)
        self._keyring_usable: bool | None = None
        self._told: set[str] = set()
        self._backend_exists: bool | None = None
        self._file = config_dir(config) / TOKENS_NAME

    @property
    def path(self) -> Path:
        return self._file

    # -- reading ---------------------------------------------------------------------------

    def get(self, key_id: str, where: str) -> str | None:
        """The token stored for ``key_id`` in ``where`` (as the state record says), or None."""
        if where == FILE:
            return self._read_file().get(key_id)
        if where == KEYRING and self._keyring_refused():
            self._warn_once(f"the CodeArtifact token is in the keyring, which cannot be used now ({_UNUSABLE}); "
                            f"a new one is fetched and kept in {self.path}, readable by you alone.")
            return None
        if where == KEYRING and self._keyring_available():
            try:
                value = bounded(lambda: _keyring().get_password(SERVICE, key_id))
            except Exception as error:  # keyring backends raise anything
                self._keyring_failed(f"could not read the CodeArtifact token from the keyring ({_name(error)})")
                return None
            return str(value) if value else None
        return None

    # -- writing ---------------------------------------------------------------------------

    def put(self, key_id: str, token: str) -> Where:
        """Store ``token``; return where it went (keyring or file)."""
        if self._keyring_available():
            try:
                bounded(lambda: _keyring().set_password(SERVICE, key_id, token))
            except Exception as error:
                self._keyring_failed(
                    f"the keyring refused the CodeArtifact token ({_name(error)}); it is stored in "
                    f"{self.path} instead, readable by you alone"
                )
            else:
                self._drop_from_file(key_id)
                return KEYRING
        elif self._keyring_refused():
            self._warn_once(f"the keyring cannot be used now ({_UNUSABLE}); the CodeArtifact token is kept in "
                            f"{self.path} instead, readable by you alone.")
        tokens = self._read_file()
        tokens[key_id] = token
        self._write_file(tokens)
        return FILE

    def delete(self, key_id: str) -> list[Where]:
        """Remove the token of ``key_id`` from every store; return where one was found.
        Raises OSError (or the keyring's error) when a token could not be removed."""
        found: list[Where] = []
        if self._drop_from_file(key_id):
            found.append(FILE)
        if self._keyring_refused():
            raise KeyringUnavailable(f"the keyring cannot be used now ({_UNUSABLE}), so a token stored there stays")
        if self._keyring_available():
            keyring = _keyring()
            if bounded(lambda: keyring.get_password(SERVICE, key_id)) is not None:
                bounded(lambda: keyring.delete_password(SERVICE, key_id))
                found.append(KEYRING)
        return found

    # -- helpers ---------------------------------------------------------------------------

    def _keyring_available(self) -> bool:
        if not self._config.get("keyring.enabled"):
            return False
        if self._keyring_usable is None:

            try:
                self._keyring_usable = bool(bounded(lambda: PasswordManager(self._config).use_keyring))
            except Exception as error:  # a backend that hangs or breaks while Poetry probes it
                self._keyring_usable = False
                self._warn(f"could not use the keyring ({_name(error)}); CodeArtifact tokens go to {self.path} "
                           "instead, readable by you alone.")
        return self._keyring_usable

    def _keyring_refused(self) -> bool:
        """Poetry's keyring is enabled and a real backend exists, but Poetry cannot use it now
        (a locked collection): unlike a machine with no keyring at all, a token may be there."""
        if not self._config.get("keyring.enabled") or self._keyring_available():
            return False
        if self._backend_exists is None:
            try:
                self._backend_exists = bool(bounded(_real_backend_exists))
            except Exception:
                self._backend_exists = True  # it hangs or breaks: it is there, and not usable
        return self._backend_exists

    def _warn_once(self, message: str) -> None:
        if message not in self._told:
            self._told.add(message)
            self._warn(message)

    def _keyring_failed(self, message: str) -> None:
        if self._keyring_usable:
            self._warn(message + ". To keep CodeArtifact tokens out of the keyring for good, run "
                       "`poetry config keyring.enabled false`.")
        self._keyring_usable = False

    def _read_file(self) -> dict[str, str]:
        try:
            data = json.loads(read_regular_file(self.path))
        except (OSError, ValueError):
            return {}
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, dict):
            return {}
        return {str(k): v for k, v in tokens.items() if isinstance(v, str) and v}

    def _write_file(self, tokens: dict[str, str]) -> None:
        write_private_file(self.path, json.dumps({"version": 1, "tokens": tokens}, indent=2))

    def _drop_from_file(self, key_id: str) -> bool:
        tokens = self._read_file()
        if tokens.pop(key_id, None) is None:
            return False
        self._write_file(tokens)
        return True


def _keyring() -> Any:
    import keyring  # noqa: PLC0415 - keyring only when a token is read or written

    return keyring


def _real_backend_exists() -> bool:
    """Whether keyring has a backend that stores secrets (not the fail, null or plaintext ones
    of a machine without a keyring), as Poetry judges it."""
    keyring = _keyring()
    from keyring.backend import get_all_keyring  # noqa: PLC0415 - keyring only when asked

    def real(backend: Any) -> bool:
        name = str(getattr(backend, "name", "")).lower()
        return name.split(" ")[0] not in ("chainer", "fail", "null") and "plaintext" not in name

    backend = keyring.get_keyring()
    candidates = get_all_keyring() if str(getattr(backend, "name", "")).lower().startswith("chainer") else [backend]
    return any(real(candidate) for candidate in candidates)


def _name(error: BaseException) -> str:
    return type(error).__name__  # never its text: a backend might quote what it was given
