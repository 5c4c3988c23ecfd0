"""One Poetry command's CodeArtifact sources and tokens: found lazily, made valid once.

The refresh hook (hook.py) makes a :class:`CommandContext` the current one for each command
that may read an index; Poetry's wrapped credential lookups (poetry_auth.py) then call into it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from poetry_codeartifact.console import debug, debug_traceback, describe_expiry, project_data, warn
from poetry_codeartifact.credentials import hand, handed
from poetry_codeartifact.endpoint import redact, upload_url
from poetry_codeartifact.errors import CodeArtifactError
from poetry_codeartifact.paths import config_dir
from poetry_codeartifact.refresh import MANAGED, UNTRUSTED, Outcome, build_refresher
from poetry_codeartifact.settings import (
    auto_refresh_enabled,
    config_repositories,
    project_sources,
    read_user_settings,
)

if TYPE_CHECKING:
    from cleo.commands.command import Command
    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.poetry import Poetry

    from poetry_codeartifact.refresh import Refresher
    from poetry_codeartifact.settings import Source, UserSettings
    from poetry_codeartifact.tokens import ClientFactory


class CommandContext:
    """One command's CodeArtifact sources, found lazily, and its tokens, made valid once."""

    def __init__(self, command: Command, io: IO, client_factory: ClientFactory | None) -> None:
        self.command = command
        self.io = io
        self.client_factory = client_factory
        self._lock = threading.RLock()
        self._busy = threading.local()
        self._sources: list[Source] | None = None
        self._refresher: Refresher | None = None
        self._config: Config | None = None
        self._ensured = False
        self._failure: CodeArtifactError | None = None
        self._handed: dict[str, str] = {}  # source name -> token handed to Poetry
        self.user: UserSettings | None = None
        self.auto_refresh = True

    # -- what the command needs ------------------------------------------------------------

    def run_eagerly(self, name: str) -> None:
        """COMMAND time, for :data:`EAGER` commands: route ``publish -r NAME``, then make the
        tokens valid now."""
        try:
            if name == "publish":
                self._route_publish()
            self.ensure()
        except CodeArtifactError:
            raise  # explained: the message names the cause and the fix
        except Exception as error:  # a bug of ours must not break the user's command
            self._report_bug(error)

    def sources(self) -> list[Source]:
        if self._sources is None:
            self._sources = []
            poetry = _poetry_of(self.command)
            if poetry is not None:
                self._config = poetry.config
                self.user = read_user_settings(config_dir(poetry.config), poetry.pyproject_path.parent)
                self._sources = project_sources(project_data(poetry), self.user)
        return self._sources

    def ensure(self) -> None:
        """Make every source's token valid and hand it to Poetry, once per command."""
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._ensured:
                return
            self._ensured = True
            sources = self.sources()
            if not sources or self._config is None:
                return
            refresher = self.refresher()
            try:
                self.auto_refresh = auto_refresh_enabled()  # read only where it matters: a typo is an error
                outcomes = refresher.ensure(sources, fetch=self.auto_refresh)
            except CodeArtifactError as error:
                debug_traceback(self.io, error)
                self._failure = error
                raise
            self._remember(outcomes)
            for outcome in outcomes:
                debug(self.io, f"{outcome.source.name}: token {outcome.status}, expires "
                               f"{describe_expiry(outcome.expires_at)}")

    def refresher(self) -> Refresher:
        if self._refresher is None:
            assert self._config is not None
            self._refresher = build_refresher(self._config, self.io, self.client_factory)
        return self._refresher

    # -- poetry_auth.Listener --------------------------------------------------------------

    def credential_wanted(self, name: str, config: Config) -> None:
        if getattr(self._busy, "on", False):
            return  # Poetry asked while this context was finding its own sources
        self._busy.on = True
        try:
            if not any(source.name == name for source in self.sources()):
                return
            self.ensure()
            token = self._handed.get(name)
            if token is not None and config is not self._config:
                hand(config, name, token)  # a Config of Poetry's other than the project's
        except CodeArtifactError:
            raise
        except Exception as error:
            self._report_bug(error)
        finally:
            self._busy.on = False

    def request_rejected(self, authenticator: Any, url: str, sent: str | None) -> bool:
        repository = authenticator.get_repository_config_for_url(url)
        source = self._source_named(getattr(repository, "name", None))
        return source is not None and self._renew(source, sent)

    def still_rejected(self, authenticator: Any, url: str, status: int) -> None:
        repository = authenticator.get_repository_config_for_url(url)
        source = self._source_named(getattr(repository, "name", None))
        if source is None:
            return
        warn(
            self.io,
            f"the repository answered HTTP {status} to a freshly fetched token for '{source.name}' "
            f"({source.endpoint.describe()}). The token is good for {source.key.describe()}, so "
            f"{source.key.identity()} may not read this repository: it needs codeartifact:ReadFromRepository, "
            "and the repository's policy must allow it.",
        )

    def upload_rejected(self, url: str, sent: str | None) -> str | None:
        source = next((s for s in self.sources() if upload_url(s.url) == upload_url(url)), None)
        if source is None or not self._renew(source, sent):
            return None
        return self._handed.get(source.name)

    # -- helpers ---------------------------------------------------------------------------

    def _renew(self, source: Source, sent: str | None) -> bool:
        """After a 401/403: True when Poetry should retry, with a token it has not sent yet."""

        with self._lock:
            current = self._handed.get(source.name)
            if current is None:
                return False  # not a token of ours: POETRY_HTTP_BASIC_*, untrusted, ...
            if sent is not None and sent != current:
                return True  # another request renewed it meanwhile
            if not self.auto_refresh:
                warn(self.io, f"the repository rejected the token of '{source.name}'. Run "
                              "`poetry codeartifact login` (automatic refresh is off).")
                return False
            warn(self.io, f"the repository rejected the stored token of '{source.name}' (revoked, or the clock "
                          "is off); fetching a new one.")
            group = [s for s in self.sources() if s.key == source.key]
            try:
                renewed = self.refresher().reject(source.key, group)
            except CodeArtifactError as error:
                debug_traceback(self.io, error)
                warn(self.io, str(error))
                return False
            self._remember_tokens(group)
            return renewed

    def _remember(self, outcomes: list[Outcome]) -> None:
        self._remember_tokens([o.source for o in outcomes if o.status not in (MANAGED, UNTRUSTED)])

    def _remember_tokens(self, sources: list[Source]) -> None:
        assert self._config is not None
        for source in sources:
            token = handed(self._config, source.name)
            if token is not None:
                self._handed[source.name] = token

    def _source_named(self, name: str | None) -> Source | None:
        return next((s for s in self.sources() if s.name == name), None) if name else None

    def _route_publish(self) -> None:
        """``publish -r NAME`` uploads to the repository of this project's source NAME, whatever
        a global ``repositories.NAME`` (or no entry at all) says; other targets stay Poetry's."""
        options = self.io.input.options
        name = options.get("repository")
        self.sources()  # finds the project and its config
        if not name or options.get("username") or options.get("password") or self._config is None:
            self._sources = []  # PyPI, or credentials on the command line: not ours
            return
        source = self._source_named(name)
        configured = self._config.get(f"repositories.{name}.url")
        if source is None:  # a repository of the user's Poetry config, CodeArtifact or not

            self._sources = config_repositories({name: {"url": configured}}, None, self.user) if configured else []
            return

        target = upload_url(source.url)
        # Poetry put the source's own URL there unless the user's config has the name already.
        if configured and upload_url(str(configured)) != target:
            warn(self.io, f"'{name}' is a CodeArtifact source of this project, so `publish -r {name}` uploads "
                          f"to {target}; repositories.{name} of your Poetry config ({redact(str(configured))}) is not "
                          "used here.")
        self._config.merge({"repositories": {name: {"url": target}}})
        self._sources = [source]

    def _report_bug(self, error: Exception) -> None:
        warn(
            self.io,
            f"poetry-codeartifact could not check the CodeArtifact tokens ({type(error).__name__}); "
            "going on without them. Run with -vvv for details and please report it.",
        )
        debug_traceback(self.io, error)


def _poetry_of(command: Command) -> Poetry | None:
    """The command's Poetry project, or None outside a project or for a command that has none
    (cleo's own, another plugin's); never raises."""
    try:
        poetry: Poetry = command.poetry  # type: ignore[attr-defined]
    except Exception:
        return None
    return poetry
