"""One Poetry command's CodeArtifact sources and tokens: found lazily, made valid once.

The refresh hook (hook.py) makes a :class:`CommandContext` the current one for each command
that may read an index; Poetry's wrapped credential lookups (poetry_auth.py) then call into it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from poetry_codeartifact.console import debug, debug_traceback, describe_expiry, project_data, warn
from poetry_codeartifact.credentials import USERNAME, from_environment
from poetry_codeartifact.endpoint import host_key, origin_of, redact, simple_url, upload_url
from poetry_codeartifact.errors import CodeArtifactError
from poetry_codeartifact.origins import Routes
from poetry_codeartifact.paths import config_dir
from poetry_codeartifact.poetry_auth import NOT_FOUND, REJECTED
from poetry_codeartifact.refresh import build_refresher
from poetry_codeartifact.settings import (
    auto_refresh_enabled,
    config_repositories,
    project_sources,
    read_user_settings,
)

if TYPE_CHECKING:
    from collections.abc import Callable

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
        self._routes: Routes | None = None
        self._probed: set[tuple[str, ...]] = set()  # domains whose 404 was checked (once per process)
        self._withheld: set[str] = set()  # names whose hand-stored token was kept from another host
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
        """Make every source's token valid, once per command (requests then carry it by origin)."""
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
            for outcome in outcomes:
                debug(self.io, f"{outcome.source.name}: token {outcome.status}, expires "
                               f"{describe_expiry(outcome.expires_at)}")

    def refresher(self) -> Refresher:
        if self._refresher is None:
            assert self._config is not None
            self._refresher = build_refresher(self._config, self.io, self.client_factory)
        return self._refresher

    # -- poetry_auth.Listener --------------------------------------------------------------

    def credential_for(self, url: str) -> tuple[str, str] | None:
        """``("aws", token)`` when a request to ``url`` may carry a CodeArtifact token of this
        project's sources (origins.py), None for every other URL (Poetry's own lookup then)."""
        if getattr(self._busy, "on", False):
            return None  # Poetry asked while this context was finding its own sources
        self._busy.on = True
        try:
            source = self.routes().source_for(url)
            if source is None or from_environment(source.name):
                return None  # not ours, or POETRY_HTTP_BASIC_<NAME>_PASSWORD: the user's to manage
            self.ensure()
            token = self.refresher().tokens.get(source.key)
            return (USERNAME, token) if token else None
        except CodeArtifactError:
            raise
        except Exception as error:
            self._report_bug(error)
            return None
        finally:
            self._busy.on = False

    def withholds(self, name: str, url: str) -> bool:
        """Poetry is about to send ``url`` a credential stored by hand for ``name`` (user ``aws``:
        a CodeArtifact token) although ``name`` is a CodeArtifact source and ``url`` none of its
        origins: the project's settings point the name elsewhere. True: send nothing."""
        source = self._source_named(name)
        if source is None or self.routes().source_for(url) is not None:
            return False
        with self._lock:
            if name not in self._withheld:
                self._withheld.add(name)
                warn(self.io, f"a CodeArtifact token you stored for '{name}' (http-basic, user aws) was not sent to "
                              f"{host_key(url)}: this project maps '{name}' there, but '{name}' is a CodeArtifact "
                              "source, whose token goes to CodeArtifact's hosts only.")
        return True

    def request_failed(self, url: str, status: int, sent: str, answered_by: str, probe: Callable[[str], int]) -> bool:
        """A request that carried ``sent`` was answered ``status``: True when Poetry should send
        it once more, with a new token (401/403, or a 404 while the token is no longer accepted)."""
        source = self.routes().source_for(url)
        if source is None:
            return False
        if origin_of(answered_by) != origin_of(url):
            if status in REJECTED:
                warn(self.io, f"{redact(url)} ('{source.name}') redirected to {host_key(answered_by)}, which answered "
                              f"HTTP {status}. The CodeArtifact token is never sent to another origin, so that host "
                              "asked for a credential the plugin may not give it: the repository or a proxy in front "
                              "of it redirects where it should not.")
            return False
        if status == NOT_FOUND:
            return self._not_found(source, sent, probe)
        return self._renew(source, sent)

    def still_rejected(self, url: str, status: int) -> None:
        source = self.routes().source_for(url)
        if source is None:
            return
        warn(
            self.io,
            f"the repository answered HTTP {status} to a freshly fetched token for '{source.name}' "
            f"({source.endpoint.describe()}). The token is good for {source.key.describe()}, so "
            f"{source.key.identity()} may not read this repository: it needs codeartifact:ReadFromRepository, "
            "and the repository's policy must allow it.",
        )

    def upload_credential(self, url: str) -> tuple[str, str] | None:
        """``publish``: an upload to a CodeArtifact origin carries the token, user ``aws``, whatever
        credential Poetry found by repository name (the user's own password or PyPI token stays
        with the URL the user gave it for); credentials on the command line are the user's."""
        options = self.io.input.options
        if options.get("username") or options.get("password"):
            return None
        return self.credential_for(url)

    def upload_rejected(self, url: str, sent: str | None) -> str | None:
        source = self.routes().source_for(url)
        if source is None or sent is None or not self._renew(source, sent):
            return None
        return self.refresher().tokens.get(source.key)

    # -- helpers ---------------------------------------------------------------------------

    def routes(self) -> Routes:
        if self._routes is None:
            self._routes = Routes(self.sources())
        return self._routes

    def _not_found(self, source: Source, sent: str, probe: Callable[[str], int]) -> bool:
        """CodeArtifact may answer 404 to a token it no longer accepts (astral-sh/uv#11899). Ask
        the repository's index root once per domain per process: if that is refused too, the
        token is, and a new one is fetched."""
        domain = source.endpoint[:3]
        with self._lock:
            if domain in self._probed:
                return False
            self._probed.add(domain)
        root = simple_url(source.url)
        status = probe(root)
        debug(self.io, f"{source.name}: HTTP 404; the index root {redact(root)} answered HTTP {status}")
        if status not in (*REJECTED, NOT_FOUND):
            return False  # the token is accepted: the 404 is a real one
        return self._renew(source, sent)

    def _renew(self, source: Source, sent: str) -> bool:
        """After a rejection: True when Poetry should retry, with a token it has not sent yet."""
        with self._lock:
            current = self.refresher().tokens.get(source.key)
            if current is None:
                return False
            if sent != current:
                return True  # another request renewed it meanwhile
            if not self.auto_refresh:
                warn(self.io, f"the repository rejected the token of '{source.name}'. Run "
                              "`poetry codeartifact login` (automatic refresh is off).")
                return False
            warn(self.io, f"the repository rejected the stored token of '{source.name}' (revoked, or the clock "
                          "is off); fetching a new one.")
            group = [s for s in self.sources() if s.key == source.key]
            try:
                return self.refresher().reject(source.key, group)
            except CodeArtifactError as error:
                debug_traceback(self.io, error)
                warn(self.io, str(error))
                return False

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
        if not source.trusted:  # only a project file vouches for the host: Poetry's own behaviour stands
            where = (f"to repositories.{name} of your Poetry config ({redact(str(configured))}) with your credential "
                     "for it" if configured else "where Poetry itself sends it, with no CodeArtifact token")
            warn(self.io, f"'{name}' is a source of this project on {host_key(source.url)}, which neither AWS nor you "
                          f"vouch for, so `publish -r {name}` is not redirected to it: the upload goes {where}, as "
                          "without the plugin.")
            self._sources = []
            return
        # Poetry put the source's own URL there unless the user's config has the name already.
        if configured and upload_url(str(configured)) != target:
            warn(self.io, f"'{name}' is a CodeArtifact source of this project, so `publish -r {name}` uploads "
                          f"to {target} with its CodeArtifact token; repositories.{name} of your Poetry config "
                          f"({redact(str(configured))}) and your credential for it are not used here.")
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
