"""Which tokens are due, and getting each due token once.

Data flows one way: sources -> due tokens (state file + stored credential, no AWS call) ->
one fetch per :class:`TokenKey` under a cross-process lock -> storage and state. Nothing here
knows about cleo; messages go out through the ``warn`` callback or as exceptions.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import TYPE_CHECKING, Callable, NamedTuple

from poetry_codeartifact.errors import TokenError
from poetry_codeartifact.state import TokenRecord, fingerprint

if TYPE_CHECKING:
    from collections.abc import Iterable

    from poetry_codeartifact.credentials import CredentialStore
    from poetry_codeartifact.settings import Source, TokenKey
    from poetry_codeartifact.state import StateFile
    from poetry_codeartifact.tokens import TokenFetcher

FETCHED = "fetched"  # a new token was fetched and stored
VALID = "valid"  # the stored token is good; nothing was done
ADOPTED = "adopted"  # another process refreshed it while we waited for the lock
STALE = "stale"  # refresh failed, but the stored token has not expired yet
MANAGED = "environment"  # POETRY_HTTP_BASIC_<NAME>_PASSWORD is set: not ours to refresh
PROVIDED = "provided"  # CODEARTIFACT_AUTH_TOKEN holds the pipeline's token: used as it is


class Outcome(NamedTuple):
    source: Source
    status: str
    expires_at: float | None = None
    where: str | None = None


class Refresher:
    def __init__(
        self,
        store: CredentialStore,
        state: StateFile,
        fetcher: TokenFetcher,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._state = state
        self.fetcher = fetcher
        self._warn = warn or (lambda message: None)
        self._clock = clock

    def why_due(self, source: Source, record: TokenRecord | None, stored: str | None) -> str | None:
        """The reason to refresh ``source``'s token now, or None while it is good."""
        if record is None or not record.matches(source):
            return "no token is recorded for this domain"
        if stored is None:
            return "the stored token is gone"
        if fingerprint(stored) != record.fingerprint:
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
    ) -> list[Outcome]:
        """Make sure every source has a good token in Poetry's storage and in this process.

        ``force`` fetches even when the stored token is good (``login``). Raises
        :class:`TokenError` when a token is needed and cannot be had.
        """
        from poetry_codeartifact.credentials import ENVIRONMENT
        from poetry_codeartifact.settings import pipeline_token

        sources = list(sources)
        outcomes: dict[str, Outcome] = {}
        records = self._state.load()
        due: list[Source] = []
        provided = pipeline_token()
        for source in sources:
            if self._store.from_environment(source.name):
                outcomes[source.name] = Outcome(source, MANAGED)
                continue
            if provided is not None:
                self._store.use_in_process(source.name, provided)
                outcomes[source.name] = Outcome(source, PROVIDED, where=ENVIRONMENT)
                continue
            record = records.get(source.name)
            if force or self.why_due(source, record, self._store.current(source.name)):
                due.append(source)
            else:
                assert record is not None
                outcomes[source.name] = Outcome(source, VALID, record.expires_at)
        if due:
            with self._state.lock() as locked:
                if not locked:
                    self._warn("another Poetry process holds the CodeArtifact lock; refreshing anyway.")
                outcomes.update(self._refresh_locked(due, force, duration, explicit_profile))
        return [outcomes[source.name] for source in sources]

    def _refresh_locked(
        self, due: list[Source], force: bool, duration: int | None, explicit_profile: bool
    ) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        records = self._state.load()  # fresh: another process may have refreshed meanwhile
        groups: dict[TokenKey, list[Source]] = defaultdict(list)
        for source in due:
            record = records.get(source.name)
            stored = self._store.on_disk(source.name)
            if not force and stored is not None and self.why_due(source, record, stored) is None:
                assert record is not None
                self._store.use_in_process(source.name, stored)
                outcomes[source.name] = Outcome(source, ADOPTED, record.expires_at)
            else:
                groups[source.key].append(source)

        failures: list[tuple[Source, TokenError]] = []
        for key, group in groups.items():
            wanted = duration if duration is not None else next(
                (s.duration for s in group if s.duration is not None), None
            )
            try:
                token = self.fetcher.fetch(key, wanted, explicit_profile=explicit_profile)
            except TokenError as error:
                for source in group:
                    record = records.get(source.name)
                    stored = self._store.current(source.name)
                    usable = (
                        not force
                        and record is not None
                        and record.matches(source)
                        and stored is not None
                        and fingerprint(stored) == record.fingerprint
                        and not record.expired(self._clock())
                    )
                    if usable:
                        assert record is not None
                        self._warn(
                            f"could not refresh the CodeArtifact token for '{source.name}': {error} "
                            "The stored token is still valid; going on with it."
                        )
                        outcomes[source.name] = Outcome(source, STALE, record.expires_at)
                    else:
                        failures.append((source, error))
                continue
            for source in group:
                where = self._store.save(source.name, token.value)
                records[source.name] = TokenRecord(
                    domain=key.domain,
                    owner=key.owner,
                    region=key.region,
                    issued_at=token.issued_at,
                    expires_at=token.expires_at,
                    fingerprint=fingerprint(token.value),
                )
                outcomes[source.name] = Outcome(source, FETCHED, token.expires_at, where)
        if any(outcome.status == FETCHED for outcome in outcomes.values()):
            self._state.save(records)
        if failures:
            raise refresh_failure(failures)
        return outcomes


def refresh_failure(failures: list[tuple[Source, TokenError]]) -> TokenError:
    source, error = failures[0]
    names = ", ".join(f"'{s.name}'" for s, _ in failures)
    e = source.endpoint
    message = (
        f"Could not get a CodeArtifact token for {names} (domain {e.domain}, owner {e.owner}, "
        f"region {e.region}): {error}"
    )
    failure = TokenError(message, retryable=error.retryable)
    failure.__cause__ = error.__cause__
    return failure
