"""A keyring backend for end-to-end tests, loaded by a real Poetry through
``PYTHON_KEYRING_BACKEND=limited_keyring.LimitedKeyring`` with this folder on ``PYTHONPATH``.

It keeps passwords in the JSON file named by ``LIMITED_KEYRING_FILE`` (so that they outlive one
Poetry process, as a system keyring's do) and refuses any password over 1,024 characters, the way
Windows Credential Manager refuses a CodeArtifact token (python-poetry/poetry #6597, #9791, #10348).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError

LIMIT = 1024


class LimitedKeyring(KeyringBackend):
    priority = 10  # type: ignore[assignment,unused-ignore]

    @property
    def _file(self) -> Path:
        return Path(os.environ["LIMITED_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._file.read_text())
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password) > LIMIT:
            raise PasswordSetError(f"the password is {len(password)} characters; this keyring holds {LIMIT}")
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._file.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self._file.write_text(json.dumps(data))
