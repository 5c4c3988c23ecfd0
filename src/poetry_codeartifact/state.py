"""The plugin's own state file: when each domain's stored token expires, never the token itself.

A later run reads it to decide, without calling AWS, whether the stored token is still good.
It holds a short SHA-256 fingerprint of each token so that a token replaced or removed by
someone else is noticed; the fingerprint cannot be turned back into the token. Writes are
atomic and owner-only; a missing, empty, corrupt or unreadable file means "unknown: refresh".
A lock file beside it lets parallel Poetry processes make one token call between them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import stat
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from poetry_codeartifact.paths import STATE_NAME, config_dir

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from poetry.config.config import Config

VERSION = 2  # 1 (0.1.0) kept records per source name; such a file reads as "no records"
LOCK_TIMEOUT = 30.0
MAX_MARGIN = 15 * 60


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def refresh_margin(lifetime: float) -> float:
    """Refresh this long before expiry: 15 minutes, but never more than a quarter of the
    token's life, so that a 900-second token is not refreshed on every run."""
    return min(MAX_MARGIN, max(0.0, lifetime) / 4)


class TokenRecord(NamedTuple):
    """What the plugin knows about the stored token of one :class:`TokenKey`."""

    domain: str
    owner: str
    region: str
    issued_at: float
    expires_at: float
    fingerprint: str
    where: str  # the store that holds the token: keyring, file (or memory)

    def describes(self, token: str | None) -> bool:
        """True when ``token`` is the one this record was written for."""
        return token is not None and fingerprint(token) == self.fingerprint

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    def due(self, now: float) -> bool:
        return now >= self.expires_at - refresh_margin(self.expires_at - self.issued_at)


def _record(fields: object) -> TokenRecord | None:
    """A record read from disk, or None when any field is missing or mistyped: a damaged
    record means "refresh and rewrite", never a crash and never a token kept forever."""
    if not isinstance(fields, dict):
        return None
    try:
        record = TokenRecord(**fields)
    except TypeError:
        return None
    texts = (record.domain, record.owner, record.region, record.fingerprint, record.where)
    numbers = (record.issued_at, record.expires_at)
    if not all(isinstance(value, str) for value in texts):
        return None
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in numbers):
        return None
    if not all(math.isfinite(value) and 0 <= value < 2**34 for value in numbers):
        return None
    return record


class StateFile:
    """Expiry records per :attr:`TokenKey.id`; ``path=None`` keeps them in this process only
    (``POETRY_CODEARTIFACT_STORE=memory``: every process then fetches what it needs once)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock") if path is not None else None
        self.lock_failure: str | None = None  # why the last lock() yielded False
        self._memory: dict[str, TokenRecord] = {}  # the records of a file-less state

    @classmethod
    def in_memory(cls) -> StateFile:
        return cls(None)

    @classmethod
    def beside(cls, config: Config) -> StateFile:
        """The state file in Poetry's config directory, next to auth.toml."""
        return cls(config_dir(config) / STATE_NAME)

    def load(self) -> dict[str, TokenRecord]:
        if self.path is None:
            return dict(self._memory)
        try:
            data = json.loads(read_regular_file(self.path))
            if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data["tokens"], dict):
                return {}
        except (OSError, ValueError, TypeError, KeyError):
            return {}
        records = {key: _record(fields) for key, fields in data["tokens"].items()}
        return {key: record for key, record in records.items() if record is not None}

    def save(self, records: dict[str, TokenRecord]) -> None:
        if self.path is None:
            self._memory = dict(records)
            return
        data: dict[str, Any] = {
            "version": VERSION,
            "tokens": {key: record._asdict() for key, record in sorted(records.items())},
        }
        write_private_file(self.path, json.dumps(data, indent=2))

    @contextlib.contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[bool]:
        """Hold an exclusive lock across processes; yields False if it could not be had in time
        (the caller then goes on without it rather than hang a build). The lock is released by
        the operating system when its holder dies, so a dead holder never blocks anyone."""
        self.lock_failure = None
        if self.lock_path is None:
            yield True
            return
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK, 0o600)
        except OSError as error:  # a read-only directory, a symlink planted in its place: no lock
            self.lock_failure = f"could not open the lock file {self.lock_path} ({error.strerror or error})"
            yield False
            return
        locked = False
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    _lock(fd)
                    locked = True
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.05)
            if not locked:
                self.lock_failure = (f"another Poetry process has held the lock {self.lock_path} for "
                                     f"{timeout:.0f} seconds")
            yield locked
        finally:
            if locked:
                with contextlib.suppress(OSError):
                    _unlock(fd)
            os.close(fd)

    def forget(self, keys: list[str]) -> list[str]:
        """Drop the records of ``keys`` (``logout``); return the ones that were there."""
        with self.lock():
            records = self.load()
            removed = [key for key in keys if records.pop(key, None) is not None]
            if removed:
                self.save(records)
            return removed


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def read_regular_file(path: Path) -> str:
    """A small file's text, refusing to follow a symlink or to block on a FIFO or device."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return handle.read(4 * 1024 * 1024).decode("utf-8")


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` atomically with an owner-only file (a symlink in its place is replaced,
    never followed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)  # created 0600
    except OSError as error:  # name the file the user knows, not the temporary one beside it
        raise OSError(error.errno, error.strerror, str(path)) from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


if sys.platform == "win32":  # simulated in tests/unit/test_state.py
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
