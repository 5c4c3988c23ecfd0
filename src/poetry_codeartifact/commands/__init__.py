"""One module per ``poetry codeartifact`` command, and :class:`LazyCommand`, which stands for
each of them in cleo's command table until more than its name and description is needed."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from poetry.console.commands.command import Command

from poetry_codeartifact.command_names import COMMANDS, DESCRIPTIONS, command_class_name

if TYPE_CHECKING:
    from cleo.application import Application
    from cleo.io.inputs.definition import Definition
    from cleo.io.io import IO


class LazyCommand(Command):
    """One of the plugin's commands as cleo's command table holds it (as Symfony's LazyCommand):
    its name and description come from command_names.py, and everything else (the definition,
    the help, running it) from the real command, which it builds, importing the command's module,
    the first time it is needed. ``poetry list`` and the namespace overview build every command
    to read its name and description: this way they import none of the command modules.

    Like the real commands it is neither hidden nor disabled and has no aliases
    (tests/unit/test_plugin.py checks that the real commands agree)."""

    def __init__(self, name: str) -> None:
        # Not Command.__init__, which builds the definition: that is the real command's.
        self.name = name
        self.description = DESCRIPTIONS[name]
        self._application: Application | None = None
        self._command: Command | None = None

    @property
    def command(self) -> Command:
        """The real command, built the first time it is asked for."""
        if self._command is None:
            module = COMMANDS[self.name or ""]
            command_class: type[Command] = getattr(
                import_module(f"poetry_codeartifact.commands.{module}"), command_class_name(module)
            )
            self._command = command_class()
            self._command.set_application(self._application)
        return self._command

    def set_application(self, application: Application | None = None) -> None:
        self._application = application
        if self._command is not None:
            self._command.set_application(application)

    # What cleo and Poetry ask of a command beyond its name and description, asked of the real one.

    @property
    def definition(self) -> Definition:
        return self.command.definition

    def merge_application_definition(self, merge_args: bool = True) -> None:
        self.command.merge_application_definition(merge_args)

    def run(self, io: IO) -> int:
        return self.command.run(io)

    def synopsis(self, short: bool = False) -> str:
        return self.command.synopsis(short)

    def ignore_validation_errors(self) -> None:
        self.command.ignore_validation_errors()

    @property
    def processed_help(self) -> str:
        return self.command.processed_help

    @property
    def help(self) -> str:  # type: ignore[override]
        return self.command.help

    @property
    def usages(self) -> list[str]:  # type: ignore[override]
        return self.command.usages

    @property
    def loggers(self) -> list[str]:  # type: ignore[override]
        return self.command.loggers

    @property
    def io(self) -> IO:
        return self.command.io

    def argument(self, name: str) -> Any:
        return self.command.argument(name)

    def option(self, name: str, default: Any = None) -> Any:
        return self.command.option(name, default)
