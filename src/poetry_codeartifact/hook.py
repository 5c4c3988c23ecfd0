"""The refresh hook: every Poetry command that reads a CodeArtifact index, whoever wrote the
command, gets a token the server accepts, and commands that never touch an index pay nothing.

The mechanism has two parts, because neither alone covers Poetry 1.8 and 2.x:

* cleo's COMMAND event, for every command except :data:`OFFLINE` ones, makes the command the
  current :class:`CommandContext` and wraps Poetry's credential lookups (poetry_auth.py). That
  costs no file read, no keyring read and no AWS call.
* The first time Poetry asks for the credential of one of the context's CodeArtifact sources,
  the context makes sure that the tokens of all of them are valid (fetching the due domains at
  the same time) and hands them to Poetry in memory. A 401/403 from a CodeArtifact host gets
  one retry with a new token.

Commands in :data:`EAGER` (the ones that install or publish) do the first step at COMMAND time
instead: Poetry's installer asks for credentials in worker threads, where a failure would
surface as a traceback, so a missing token stops these commands before they start, with a
message that names the cause and the fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cleo.events.console_command_event import ConsoleCommandEvent
    from cleo.events.console_terminate_event import ConsoleTerminateEvent
    from cleo.events.event_dispatcher import EventDispatcher

    from poetry_codeartifact.command_context import CommandContext
    from poetry_codeartifact.tokens import ClientFactory

# Commands that never read an index nor send a credential: nothing is done for them at all.
OFFLINE = frozenset({
    "about", "help", "list", "config", "check", "new", "init", "run", "shell", "version", "completions",
    "env activate", "env info", "env list", "env remove", "env use", "cache clear", "cache list",
    "source add", "source remove", "source show", "self show", "self show plugins", "debug info",
    "python list", "python install", "python remove", "python find",
})
# Commands whose tokens are made valid before they start (see the module docstring).
EAGER = frozenset({
    "install", "sync", "add", "update", "remove", "lock", "publish",
    "self add", "self install", "self lock", "self remove", "self sync", "self update",
})
# Poetry's own COMMAND listeners sit at priority 0; higher runs first.
PRIORITY = 100


class RefreshHook:
    """The COMMAND and TERMINATE listeners. Nested commands (``publish --build`` runs ``build``
    through ``self.call``) share the outer command's context: one refresh per command."""

    def __init__(self, client_factory: ClientFactory | None = None) -> None:
        self.client_factory = client_factory
        self._active: CommandContext | None = None
        self._depth = 0

    def __call__(self, event: ConsoleCommandEvent, event_name: str, dispatcher: EventDispatcher) -> None:
        command = event.command
        name = command.name or ""
        if self._active is not None:
            self._depth += 1
            return
        if name in OFFLINE or name.startswith("codeartifact"):
            return
        from poetry_codeartifact import poetry_auth  # the lazy edge: nothing of this at start-up
        from poetry_codeartifact.command_context import CommandContext

        context = CommandContext(command, event.io, self.client_factory)
        poetry_auth.install()
        self._active = context
        self._depth = 1
        poetry_auth.set_listener(context)
        if name in EAGER:
            context.run_eagerly(name)

    def terminate(self, event: ConsoleTerminateEvent, event_name: str, dispatcher: EventDispatcher) -> None:
        if self._active is None:
            return
        self._depth -= 1
        if self._depth <= 0:
            from poetry_codeartifact import poetry_auth

            self._active = None
            self._depth = 0
            poetry_auth.set_listener(None)
