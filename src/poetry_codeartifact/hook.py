"""The refresh hook: every Poetry command that reads a CodeArtifact index, whoever wrote the
command, gets a token the server accepts, and commands that never touch an index pay nothing.

The mechanism has two parts, because neither alone covers Poetry 1.8 and 2.x:

* cleo's COMMAND event, for every command except the offline ones (command_names.py), makes
  the command the current :class:`CommandContext` and wraps Poetry's credential lookups
  (poetry_auth.py). That costs no file read, no keyring read and no AWS call.
* The first time Poetry is about to send a request to the origin of one of the context's
  CodeArtifact sources, the context makes sure that the tokens of all of them are valid
  (fetching the due domains at the same time); each request then carries the token its origin
  may have (origins.py). A 401/403 from a CodeArtifact origin, or a 404 while the token is no
  longer accepted, gets one retry with a new token.

Commands in :data:`EAGER` (the ones that install or publish) do the first step at COMMAND time
instead: Poetry's installer asks for credentials in worker threads, where a failure would
surface as a traceback, so a missing token stops these commands before they start, with a
message that names the cause and the fix.

plugin.py imports this module the first time a command that may read an index starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_codeartifact import poetry_auth
from poetry_codeartifact.command_context import CommandContext
from poetry_codeartifact.command_names import EAGER, needs_refresh

if TYPE_CHECKING:
    from cleo.events.console_command_event import ConsoleCommandEvent

    from poetry_codeartifact.tokens import ClientFactory


class RefreshHook:
    """What happens at COMMAND and TERMINATE. Nested commands (``publish --build`` runs
    ``build`` through ``self.call``) share the outer command's context: one refresh per command."""

    def __init__(self, client_factory: ClientFactory | None = None) -> None:
        self.client_factory = client_factory
        self._active: CommandContext | None = None
        self._depth = 0

    def on_command(self, event: ConsoleCommandEvent) -> None:
        command = event.command
        name = command.name or ""
        if self._active is not None:
            self._depth += 1
            return
        if not needs_refresh(name):
            return
        context = CommandContext(command, event.io, self.client_factory)
        poetry_auth.install()
        self._active = context
        self._depth = 1
        poetry_auth.set_listener(context)
        if name in EAGER:
            context.run_eagerly(name)

    def on_terminate(self) -> None:
        if self._active is None:
            return
        self._depth -= 1
        if self._depth <= 0:
            self._active = None
            self._depth = 0
            poetry_auth.set_listener(None)
