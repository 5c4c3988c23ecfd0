"""Which tokens are due, getting each due token once, and keeping them for this process.

Data flows one way: sources -> one :class:`TokenKey` per domain and identity -> due keys
(state file + token store, no AWS call) -> one fetch per due key, the keys at the same time,
under a cross-process lock -> token store and state -> :attr:`Refresher.tokens`, in memory, per
key (origins.py decides which requests may carry each; nothing goes into Poetry's config).
Nothing here knows about cleo; messages go out through the ``warn`` callback or as exceptions.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal, NamedTuple

from poetry_codeartifact.console import warn
from poetry_codeartifact.credentials import empty_in_environment, env_prefix, from_environment
from poetry_codeartifact.errors import TokenError
from poetry_codeartifact.settings import memory_store, pipeline_token
from poetry_codeartifact.state import StateFile, TokenRecord, fingerprint
from poetry_codeartifact.store import MEMORY, open_store
from poetry_codeartifact.tokens import TokenFetcher

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from cleo.io.io import IO
    from poetry.config.config import Config

    from poetry_codeartifact.settings import Source, TokenKey
    from poetry_codeartifact.store import Store
    from poetry_codeartifact.tokens import ClientFactory, Token

Status = Literal[
    "fetched", "valid", "adopted", "stale", "environment", "provided", "untrusted", "unchecked", "missing"
]
FETCHED: Status = "fetched"  # a new token was fetched and stored
VALID: Status = "valid"  # the stored token is good; nothing was done
ADOPTED: Status = "adopted"  # another process refreshed it while we waited for the lock
STALE: Status = "stale"  # refresh failed, but the stored token has not expired yet
MANAGED: Status = "environment"  # POETRY_HTTP_BASIC_<NAME>_PASSWORD is set: not ours to refresh
PROVIDED: Status = "provided"  # CODEARTIFACT_AUTH_TOKEN holds the pipeline's token: used as it is
UNTRUSTED: Status = "untrusted"  # nobody but a project file vouches for the host: no token for it
UNCHECKED: Status = "unchecked"  # automatic refresh is off: the stored token is handed over as it is
MISSING: Status = "missing"  # automatic refresh is off and nothing is stored


class Outcome(NamedTuple):
    source: Source
    status: Status
    expires_at: float | None = None
    where: str | None = None  # a store (keyring, file, memory) or "environment (VARIABLE)"


class Refresher:
    def __init__(
        self,
        store: Store,
        state: StateFile,
        fetcher: TokenFetcher,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._state = state
        self.fetcher = fetcher
        self._warn = warn or (lambda _message: None)
        self._clock = clock
        self._warned: set[str] = set()
        self._rejected: set[TokenKey] = set()
        self.tokens: dict[TokenKey, str] = {}  # the token of each key this process may send

    def why_due(self, record: TokenRecord | None, token: str | None) -> str | None:
        """The reason to refresh a key's token now, or None while it is good."""
        if record is None:
            return "no token is recorded for this domain"
        if token is None:
            return "the stored token is gone"
        if not record.describes(token):
            return "the stored token was changed by someone else"
        if record.due(self._clock()):
            return "the token is about to expire" if not record.expired(self._clock()) else "the token has expired"
        return None

    def ensure(
        self,
        sources: Iterable[Source],
        *,
        force: bool = False,
        duration: int | None = None,
        explicit_profile: bool = False,
        fetch: bool = True,
    ) -> list[Outcome]:
        """Make sure every source has a good token, stored and handed to this process.

        ``force`` fetches even when the stored token is good (``login``, a token the server
        rejected); ``fetch=False`` (automatic refresh off) hands over what is stored and never
        calls AWS. Raises :class:`TokenError` when a token is needed and cannot be had.
        """
        sources = list(sources)
        outcomes: dict[str, Outcome] = {}
        groups: dict[TokenKey, list[Source]] = {}
        for source in sources:
            if source.credential_in_url:
                self._warn_once(f"url:{source.name}", source.credential_in_url_message())
            if from_environment(source.name):
                if empty_in_environment(source.name):
                    self._warn_once(
                        f"empty:{source.name}",
                        f"{env_prefix(source.name)}_PASSWORD is set but empty, so Poetry sends no password to "
                        f"'{source.name}' and the plugin may not hand it a token. Unset the variable, or give it "
                        "a token.",
                    )
                outcomes[source.name] = Outcome(source, MANAGED)
            elif not source.trusted:
                self._warn_once(source.name, source.untrusted_message())
                outcomes[source.name] = Outcome(source, UNTRUSTED)
            elif (provided := pipeline_token(source.endpoint)) is not None:
                self.tokens[source.key] = provided[0]
                outcomes[source.name] = Outcome(source, PROVIDED, where=f"environment ({provided[1]})")
            else:
                groups.setdefault(source.key, []).append(source)
        if groups:
            records = self._state.load()
            due: dict[TokenKey, list[Source]] = {}
            for key, group in groups.items():
                record = records.get(key.id)
                token = self._stored(key, record)
                if not fetch:
                    if token is not None:
                        self.tokens[key] = token
                    status, expires = (UNCHECKED, record.expires_at) if token and record else (MISSING, None)
                    outcomes.update((s.name, Outcome(s, status, expires)) for s in group)
                elif force or self.why_due(record, token):
                    due[key] = group
                else:
                    assert record is not None
                    assert token is not None
                    self.tokens[key] = token
                    outcomes.update((s.name, Outcome(s, VALID, record.expires_at, record.where)) for s in group)
            if due:
                with self._state.lock() as locked:
                    if not locked:
                        self._warn(f"{self._state.lock_failure or 'the CodeArtifact lock was not available'}; "
                                   "refreshing without it.")
                    outcomes.update(self._refresh_locked(due, force, duration, explicit_profile))
        return [outcomes[source.name] for source in sources]

    def reject(self, key: TokenKey, sources: list[Source]) -> bool:
        """The server refused ``key``'s token: fetch another now (once per process).

        Returns True when a new token was handed to Poetry and a retry makes sense."""
        if key in self._rejected:
            return False
        self._rejected.add(key)
        self.fetcher.forget(key)
        self.tokens.pop(key, None)
        self.ensure(sources, force=True)
        return True

    # -- under the lock --------------------------------------------------------------------

    def _refresh_locked(
        self, due: dict[TokenKey, list[Source]], force: bool, duration: int | None, explicit_profile: bool
    ) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        records = self._state.load()  # fresh: another process may have refreshed meanwhile
        wanted: dict[TokenKey, int | None] = {}
        for key, group in due.items():
            record = records.get(key.id)
            token = self._stored(key, record)
            if not force and self.why_due(record, token) is None:
                assert record is not None
                assert token is not None
                self.tokens[key] = token
                outcomes.update((s.name, Outcome(s, ADOPTED, record.expires_at, record.where)) for s in group)
            else:
                wanted[key] = duration if duration is not None else next(
                    (s.duration for s in group if s.duration is not None), None
                )
        results = self.fetcher.fetch_many(wanted, explicit_profile=explicit_profile) if wanted else {}
        failures: list[tuple[list[Source], TokenError]] = []
        fetched = False
        for key, result in results.items():
            group = due[key]
            if isinstance(result, TokenError):
                record = records.get(key.id)
                token = self._stored(key, record)
                if not force and record is not None and record.describes(token) and not record.expired(self._clock()):
                    assert token is not None
                    names = ", ".join(f"'{s.name}'" for s in group)
                    self._warn(
                        f"could not refresh the CodeArtifact token for {names}: {result} "
                        "The stored token is still valid; going on with it."
                    )
                    self.tokens[key] = token
                    outcomes.update((s.name, Outcome(s, STALE, record.expires_at, record.where)) for s in group)
                else:
                    failures.append((group, result))
                continue
            where = self._keep(key, result, group)
            if where != MEMORY or self._state.path is None:  # a token kept in memory after a disk error
                records[key.id] = TokenRecord(  # gets no record: the next process fetches its own
                    key.domain, key.owner, key.region, result.issued_at, result.expires_at,
                    fingerprint(result.value), where,
                )
                fetched = True
            self.tokens[key] = result.value
            outcomes.update((s.name, Outcome(s, FETCHED, result.expires_at, where)) for s in group)
        if fetched:
            try:
                self._state.save(records)
            except OSError as error:
                self._warn(
                    f"could not record when the new CodeArtifact token expires ({_os_error(error)} on "
                    f"{self._state.path}); the next command will fetch another. {_fix(error, self._state.path)}"
                )
        if failures:
            raise refresh_failure(failures)
        return outcomes

    # -- helpers ---------------------------------------------------------------------------

    def _stored(self, key: TokenKey, record: TokenRecord | None) -> str | None:
        if key in self.tokens:
            return self.tokens[key]
        return self._store.get(key.id, record.where) if record is not None else None

    def _keep(self, key: TokenKey, token: Token, group: list[Source]) -> str:
        """Store a new token; if the disk refuses, keep it for this run and say what failed."""
        try:
            return self._store.put(key.id, token.value)
        except OSError as error:
            names = ", ".join(f"'{s.name}'" for s in group)
            self._warn(
                f"could not store the new CodeArtifact token for {names} ({_os_error(error)} on "
                f"{self._store.path}); it is used for this run only. {_fix(error, self._store.path)}"
            )
            return MEMORY

    def _warn_once(self, tag: str, message: str) -> None:
        if tag not in self._warned:
            self._warned.add(tag)
            self._warn(message)


_WRITABLE_FIX = "Check that Poetry's config directory is writable and that the disk has space."


def _fix(error: OSError, path: object) -> str:
    """The fix for a file the plugin could not write: a folder in its place is not a disk problem."""
    if isinstance(error, IsADirectoryError):
        return f"{path} is a folder, where the plugin keeps a file: move it away."
    return _WRITABLE_FIX


def _os_error(error: OSError) -> str:
    return error.strerror or type(error).__name__


def refresh_failure(failures: list[tuple[list[Source], TokenError]]) -> TokenError:
    """One message for every domain that failed, each with its own cause."""
    lines = []
    for group, error in failures:
        names = ", ".join(f"'{s.name}'" for s in group)
        lines.append(f"Could not get a CodeArtifact token for {names} ({group[0].key.describe()}): {error}")
    failure = TokenError("\n".join(lines), retryable=all(error.retryable for _, error in failures))
    failure.__cause__ = failures[0][1].__cause__
    return failure


def build_refresher(config: Config, io: IO, client_factory: ClientFactory | None = None) -> Refresher:
    """A refresher for one Poetry command: warnings to ``io``, tokens and records in Poetry's
    config directory (or in this process only, with ``POETRY_CODEARTIFACT_STORE=memory``)."""

    def say(message: str) -> None:
        warn(io, message)

    memory = memory_store()
    return Refresher(
        store=open_store(config, say, memory_only=memory),
        state=StateFile.in_memory() if memory else StateFile.beside(config),
        fetcher=TokenFetcher(client_factory, say),
        warn=say,
    )
