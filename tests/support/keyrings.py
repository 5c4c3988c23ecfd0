"""Keyring backends for tests: an in-memory one, and one that refuses long passwords the way
Windows Credential Manager refuses CodeArtifact tokens (about 1,200 characters and up)."""

from __future__ import annotations

import threading

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError
from poetry.utils.password_manager import PoetryKeyring


class MemoryKeyring(KeyringBackend):
    priority = 10  # type: ignore[assignment,unused-ignore]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call,unused-ignore]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


class SmallKeyring(MemoryKeyring):
    limit = 512

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password) > self.limit:
            raise PasswordSetError(f"password of {len(password)} characters exceeds {self.limit}")
        super().set_password(service, username, password)


class HangingKeyring(MemoryKeyring):
    """A keyring that never answers (a locked session bus, a prompt nobody sees)."""

    def get_password(self, _service: str, _username: str) -> str | None:
        self._hang()
        return None

    def set_password(self, _service: str, _username: str, _password: str) -> None:
        self._hang()

    def delete_password(self, _service: str, _username: str) -> None:
        self._hang()

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()

    def _hang(self) -> None:
        self.released.wait(60)  # until the test is over: no thread outlives it

    def release(self) -> None:
        self.released.set()


class UndeletableKeyring(MemoryKeyring):
    def delete_password(self, _service: str, _username: str) -> None:
        raise PasswordDeleteError("the backend refused")


def install(backend: KeyringBackend) -> KeyringBackend | None:
    """Make ``backend`` the keyring Poetry sees (Poetry 2 caches whether one is available)."""
    previous: KeyringBackend | None = keyring.core._keyring_backend
    keyring.set_keyring(backend)
    _clear_poetry_cache()
    return previous


def restore(previous: KeyringBackend | None) -> None:
    keyring.core._keyring_backend = previous  # type: ignore[assignment,unused-ignore]
    _clear_poetry_cache()


def _clear_poetry_cache() -> None:
    func = getattr(PoetryKeyring.is_available, "__func__", None)
    if hasattr(func, "cache_clear"):
        func.cache_clear()  # type: ignore[union-attr]
