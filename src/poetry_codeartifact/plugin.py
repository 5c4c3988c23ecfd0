"""The Poetry application plugin: registers the commands and the refresh hook.

Poetry imports and activates every application plugin on every call, ``--version`` included.
This module is the plugin's one lazy edge: it imports only Poetry, cleo and the command names.
cleo builds a command the first time it is asked for (Poetry's own pattern); for the plugin's
commands it gets a :class:`~poetry_codeartifact.commands.LazyCommand`, which knows the command's
name and description (all that ``poetry list`` reads) and imports the command's module the first
time anything else is asked of it. The refresh machinery (hook.py and everything below it) is
imported the first time a command that may read an index starts. Below this edge, modules import
at the top.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from cleo.events.console_events import COMMAND, TERMINATE
from poetry.plugins.application_plugin import ApplicationPlugin

from poetry_codeartifact.command_names import COMMANDS, PRIORITY, needs_refresh

if TYPE_CHECKING:
    from cleo.events.console_command_event import ConsoleCommandEvent
    from cleo.events.console_terminate_event import ConsoleTerminateEvent
    from cleo.events.event_dispatcher import EventDispatcher
    from poetry.console.application import Application
    from poetry.console.commands.command import Command

    from poetry_codeartifact.hook import RefreshHook


def lazy_command(name: str) -> Command:
    """cleo's factory for the command called ``name``."""
    from poetry_codeartifact.commands import LazyCommand  # noqa: PLC0415 - the lazy edge

    return LazyCommand(name)


class CommandListener:
    """cleo's COMMAND and TERMINATE listener: decides by the command's name alone, and imports
    the refresh hook once, for the first command that may read an index."""

    def __init__(self) -> None:
        self._hook: RefreshHook | None = None

    def on_command(self, event: ConsoleCommandEvent, event_name: str, dispatcher: EventDispatcher) -> None:
        if self._hook is None:
            if not needs_refresh(event.command.name or ""):
                return
            from poetry_codeartifact.hook import RefreshHook  # noqa: PLC0415 - the lazy edge

            self._hook = RefreshHook()
        self._hook.on_command(event)

    def on_terminate(self, event: ConsoleTerminateEvent, event_name: str, dispatcher: EventDispatcher) -> None:
        if self._hook is not None:
            self._hook.on_terminate()


class CodeArtifactPlugin(ApplicationPlugin):
    @property
    def commands(self) -> list[type[Command]]:
        return []  # registered through the loader in activate(), so that nothing loads early

    def activate(self, application: Application) -> None:
        for name in COMMANDS:
            application.command_loader.register_factory(name, partial(lazy_command, name))
        dispatcher = application.event_dispatcher
        if dispatcher is not None:
            listener = CommandListener()
            dispatcher.add_listener(COMMAND, listener.on_command, PRIORITY)  # type: ignore[arg-type]
            dispatcher.add_listener(TERMINATE, listener.on_terminate, PRIORITY)  # type: ignore[arg-type]
