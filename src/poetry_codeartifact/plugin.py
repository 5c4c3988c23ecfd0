"""The Poetry application plugin: registers the commands and the refresh hook.

Poetry imports and activates every application plugin on every call, ``--version`` included,
so this module imports nothing heavy: commands are built by factories on demand and the hook
imports what it needs only when a command that talks to an index runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poetry.plugins.application_plugin import ApplicationPlugin

from poetry_codeartifact.hook import PRIORITY, RefreshHook

if TYPE_CHECKING:
    from poetry.console.application import Application
    from poetry.console.commands.command import Command


def _add_source() -> Command:
    from poetry_codeartifact.commands.add_source import AddSourceCommand

    return AddSourceCommand()


def _doctor() -> Command:
    from poetry_codeartifact.commands.doctor import DoctorCommand

    return DoctorCommand()


def _login() -> Command:
    from poetry_codeartifact.commands.login import LoginCommand

    return LoginCommand()


def _logout() -> Command:
    from poetry_codeartifact.commands.logout import LogoutCommand

    return LogoutCommand()


def _status() -> Command:
    from poetry_codeartifact.commands.status import StatusCommand

    return StatusCommand()


def _token() -> Command:
    from poetry_codeartifact.commands.token import TokenCommand

    return TokenCommand()


def _overview() -> Command:
    from poetry_codeartifact.commands.overview import OverviewCommand

    return OverviewCommand()


FACTORIES = {
    "codeartifact": _overview,
    "codeartifact add-source": _add_source,
    "codeartifact doctor": _doctor,
    "codeartifact login": _login,
    "codeartifact logout": _logout,
    "codeartifact status": _status,
    "codeartifact token": _token,
}


class CodeArtifactPlugin(ApplicationPlugin):
    # The AWS client factory; None means boto3's. Tests may set one for botocore's Stubber.
    client_factory: Any = None

    @property
    def commands(self) -> list[type[Command]]:
        return []

    def activate(self, application: Application) -> None:
        from cleo.events.console_events import COMMAND, TERMINATE

        for name, factory in FACTORIES.items():
            application.command_loader.register_factory(name, factory)
        dispatcher = application.event_dispatcher
        if dispatcher is not None:
            hook = RefreshHook(self.client_factory)
            dispatcher.add_listener(COMMAND, hook, PRIORITY)  # type: ignore[arg-type]
            dispatcher.add_listener(TERMINATE, hook.terminate, PRIORITY)  # type: ignore[arg-type]
