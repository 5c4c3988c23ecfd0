"""The listener that refreshes tokens before Poetry needs them.

It runs on cleo's COMMAND event, before Poetry's own listeners, for the commands that talk to a
package index. It costs nothing for other commands, outside a project or without CodeArtifact
sources, and it never makes such a command fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cleo.events.console_command_event import ConsoleCommandEvent
    from cleo.events.event_dispatcher import EventDispatcher

    from poetry_codeartifact.settings import Source
    from poetry_codeartifact.tokens import ClientFactory

REFRESH_COMMANDS = frozenset({"install", "lock", "add", "update", "remove", "sync", "publish"})
# Poetry's own COMMAND listeners sit at priority 0; higher runs first.
PRIORITY = 100


class RefreshHook:
    def __init__(self, client_factory: ClientFactory | None = None) -> None:
        self.client_factory = client_factory
        self._done = False  # once per process: `publish --build` fires COMMAND twice

    def __call__(self, event: ConsoleCommandEvent, event_name: str, dispatcher: EventDispatcher) -> None:
        command = event.command
        if command.name not in REFRESH_COMMANDS or self._done:
            return
        from poetry_codeartifact.settings import auto_refresh_enabled

        if not auto_refresh_enabled():
            return
        self._done = True
        poetry = _poetry_of(command)
        if poetry is None:
            return
        from poetry_codeartifact.errors import CodeArtifactError

        try:
            sources = self._sources_for(command.name, event, poetry)
            if sources:
                self._refresh(event, poetry, sources)
        except CodeArtifactError:
            raise  # explained: the message names the cause and the fix
        except Exception as error:  # a bug of ours must not break the user's command
            from poetry_codeartifact.console import debug_traceback, warn

            warn(
                event.io,
                f"poetry-codeartifact could not check the CodeArtifact tokens ({type(error).__name__}); "
                "going on without refreshing. Run with -vvv for details and please report it.",
            )
            debug_traceback(event.io, error)

    def _sources_for(self, name: str | None, event: ConsoleCommandEvent, poetry: Any) -> list[Source]:
        from poetry_codeartifact.console import project_data
        from poetry_codeartifact.settings import config_repositories, project_sources

        pyproject = project_data(poetry)
        if name != "publish":
            return project_sources(pyproject)
        options = event.io.input.options
        repository = options.get("repository")
        if not repository or options.get("username") or options.get("password"):
            return []  # PyPI, or credentials given on the command line
        repositories = {repository: {"url": poetry.config.get(f"repositories.{repository}.url")}}
        return config_repositories(repositories, pyproject)

    def _refresh(self, event: ConsoleCommandEvent, poetry: Any, sources: list[Source]) -> None:
        from poetry_codeartifact.console import debug, debug_traceback, describe_expiry, make_refresher
        from poetry_codeartifact.errors import CodeArtifactError

        io = event.io
        refresher = make_refresher(poetry.config, io, self.client_factory)
        try:
            outcomes = refresher.ensure(sources)
        except CodeArtifactError as error:
            debug_traceback(io, error)
            raise
        for outcome in outcomes:
            debug(io, f"{outcome.source.name}: token {outcome.status}, expires {describe_expiry(outcome.expires_at)}")


def _poetry_of(command: Any) -> Any:
    """The command's Poetry project, or None outside a project (never raises)."""
    try:
        return command.poetry
    except Exception:
        return None
