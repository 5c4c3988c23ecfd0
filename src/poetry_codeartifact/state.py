"""The plugin's own state file: when each stored token expires, never the token itself.

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
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator

    from poetry_codeartifact.settings import Source

VERSION = 1
STATE_NAME = "codeartifact-state.json"
LOCK_TIMEOUT = 120.0
MAX_MARGIN = 15 * 60


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def refresh_margin(lifetime: float) -> float:
    """Refresh this long before expiry: 15 minutes, but never more than a quarter of the
    token's life, so that a 900-second token is not refreshed on every run."""
    return min(MAX_MARGIN, max(0.0, lifetime) / 4)


class TokenRecord(NamedTuple):
    domain: str
    owner: str
    region: str
    issued_at: float
    expires_at: float
    fingerprint: str

    def matches(self, source: Source) -> bool:
        e = source.endpoint
        return (self.domain, self.owner, self.region) == (e.domain, e.owner, e.region)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    def due(self, now: float) -> bool:
        return now >= self.expires_at - refresh_margin(self.expires_at - self.issued_at)


class StateFile:
    """Expiry records per credential name; ``path=None`` keeps none (``POETRY_CODEARTIFACT_STORE=memory``:
    every process then fetches what it needs once, and nothing is written)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock") if path is not None else None

    @classmethod
    def in_memory(cls) -> StateFile:
        return cls(None)

    @classmethod
    def beside(cls, config: Any) -> StateFile:
        """The state file next to Poetry's auth.toml (Poetry's config directory)."""
        path = getattr(getattr(getattr(config, "auth_config_source", None), "file", None), "path", None)
        if path is None:
            from poetry.locations import CONFIG_DIR

            path = Path(CONFIG_DIR) / "auth.toml"
        return cls(Path(path).with_name(STATE_NAME))

    def load(self) -> dict[str, TokenRecord]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                return {}
            return {name: TokenRecord(**fields) for name, fields in data["tokens"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def save(self, records: dict[str, TokenRecord]) -> None:
        if self.path is None:
            return
        data: dict[str, Any] = {
            "version": VERSION,
            "tokens": {name: record._asdict() for name, record in sorted(records.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".codeartifact-state-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[bool]:
        """Hold an exclusive lock across processes; yields False if it could not be had in time
        (the caller then goes on without it rather than hang a build)."""
        if self.lock_path is None:
            yield True
            return
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
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
            yield locked
        finally:
            if locked:
                with contextlib.suppress(OSError):
                    _unlock(fd)
            os.close(fd)

    def forget(self, names: list[str]) -> None:
        """Drop the records of ``names`` (``logout``)."""
        with self.lock():
            records = self.load()
            removed = [records.pop(name, None) for name in names]
            if any(record is not None for record in removed):
                self.save(records)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
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
