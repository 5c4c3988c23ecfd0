"""What every ``poetry codeartifact`` command shares: the project (if any), Poetry's config,
the sources, and turning failures into messages (with the traceback at ``-vvv`` only).

A command's help (and ``poetry completions``) builds the command without running it, so this
module and the command modules import only cleo, Poetry's Command, command_names.py and errors.py
at the top; the modules that do the work are imported by the method that needs them. (``poetry
list`` imports none of them: see :class:`poetry_codeartifact.commands.LazyCommand`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cleo.exceptions import CleoRuntimeError
from cleo.helpers import option
from poetry.console.commands.command import Command

from poetry_codeartifact.errors import CodeArtifactError, InvalidInput

if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument
    from cleo.io.inputs.option import Option
    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.poetry import Poetry

    from poetry_codeartifact.refresh import Refresher
    from poetry_codeartifact.settings import Source, UserSettings
    from poetry_codeartifact.tokens import ClientFactory

FORMAT_OPTION = option("format", "f", "Output format: text or json.", flag=False, default="text")


class CodeArtifactCommand(Command):
    def __init__(self, client_factory: ClientFactory | None = None) -> None:
        """``client_factory`` makes the AWS clients; None means boto3's (tests pass a Stubber's)."""
        super().__init__()
        self.client_factory = client_factory
        self._project: Poetry | None = None
        self._project_read = False
        self._pyproject_data: dict[str, Any] | None = None
        self._user_settings: UserSettings | None = None

    def run(self, io: IO) -> int:
        try:
            return super().run(io)
        except CleoRuntimeError as error:
            raise _value_like_an_option(io, error) or error from None

    def merge_application_definition(self, merge_args: bool = True) -> None:
        super().merge_application_definition(merge_args)
        if not merge_args:  # cleo's help is about to describe the options: fit ours to the terminal
            _fit_to_terminal(self)

    def handle(self) -> int:
        try:
            return self.run_command()
        except CodeArtifactError as error:
            from poetry_codeartifact.console import debug_traceback

            debug_traceback(self.io, error)
            raise

    def run_command(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def project(self) -> Poetry | None:
        """The Poetry project of the current directory, or None outside one. A project Poetry
        refuses (a schema error, broken TOML) is an error with Poetry's own message, never
        "no project here"."""
        if not self._project_read:
            try:
                self._project = self.poetry
            except RuntimeError as error:
                if "could not find a pyproject.toml" not in str(error):
                    raise CodeArtifactError(f"Poetry cannot read this project: {error}{_bom_hint()}") from error
                self._project = None
            except Exception as error:  # Poetry's TOML and pyproject errors
                raise CodeArtifactError(f"Poetry cannot read this project: {error}{_bom_hint()}") from error
            self._project_read = True
        return self._project

    def config(self) -> Config:
        from poetry.config.config import Config

        project = self.project()
        return project.config if project is not None else Config.create()

    def output_format(self, allowed: tuple[str, ...] = ("text", "json")) -> str:
        """The ``--format`` asked for (see :data:`FORMAT_OPTION`); anything else is an error."""
        value = self.option("format")
        if value not in allowed:
            raise InvalidInput("--format", value, f"it is one of {', '.join(allowed)}")
        return str(value)

    def refresher(self, config: Config) -> Refresher:
        from poetry_codeartifact.refresh import build_refresher

        return build_refresher(config, self.io, self.client_factory)

    def pyproject_data(self) -> dict[str, Any] | None:
        """The project's parsed pyproject.toml (read once per command), or None outside a project."""
        if self._pyproject_data is None:
            from poetry_codeartifact.console import project_data

            project = self.project()
            self._pyproject_data = project_data(project) if project is not None else None
        return self._pyproject_data

    def user_settings(self) -> UserSettings:
        """The user's own settings (trusted hosts, personal source settings), read once."""
        if self._user_settings is None:
            from poetry_codeartifact.paths import config_dir
            from poetry_codeartifact.settings import read_user_settings

            project = self.project()
            project_dir = project.pyproject_path.parent if project is not None else None
            self._user_settings = read_user_settings(config_dir(self.config()), project_dir)
        return self._user_settings

    def known_sources(self) -> list[Source]:
        """Every CodeArtifact source of the project (if any) and repository of Poetry's config."""
        from poetry_codeartifact.settings import all_sources

        return all_sources(self.pyproject_data(), self.config().get("repositories"), self.user_settings())

    def selected_sources(self, names: list[str]) -> list[Source]:
        """The sources called ``names``, or all of them; an unknown name or none at all is an error."""
        known = self.known_sources()
        if names:
            by_name = {source.name: source for source in known}
            for name in names:
                if name not in by_name:
                    listing = ", ".join(sorted(by_name)) or "none"
                    raise InvalidInput(
                        "name", name, "no CodeArtifact source or publish repository has this name",
                        f"Known CodeArtifact names: {listing}. Add one with `poetry codeartifact add-source`.",
                    )
            return [by_name[name] for name in dict.fromkeys(names)]
        if not known:
            where = "this project or Poetry's config"
            if self.project() is None:
                where = "Poetry's config (no project here)"
            raise CodeArtifactError(
                f"No CodeArtifact source or repository was found in {where}. "
                "Add one with `poetry codeartifact add-source NAME --url URL`."
            )
        return known


_UNWRAPPED: dict[int, str] = {}  # id of one of our (class-level) options or arguments -> its description


def _fit_to_terminal(command: Command) -> None:
    """Wrap the descriptions of the command's own arguments and options to the terminal's width.
    cleo prints a description on one line, whatever the terminal (Poetry's own run to 300
    columns), but indents the lines of one that has line breaks under its first."""
    import json
    from textwrap import wrap

    from cleo.terminal import Terminal

    definition = command.definition
    widths = [len(argument.name) for argument in definition.arguments]
    for each in definition.options:  # as cleo's TextDescriptor measures them
        value = 1 + len(each.name) + (0 if each.requires_value() else 2) if each.accepts_value() else 0
        widths.append(1 + max(len(each.shortcut or ""), 1) + 4 + len(each.name) + value)
    room = max(Terminal().width - max(widths, default=0) - 5, 30)
    own: list[Argument | Option] = [*command.arguments, *command.options]
    for item in own:
        text = _UNWRAPPED.setdefault(id(item), item.description)
        default = item.default if isinstance(item.default, str) and item.default else None
        tail = len(f" [default: {json.dumps(default)}]") if default else 0  # cleo adds it to the last line
        lines = wrap(text + " " + "x" * tail if tail else text, room, break_long_words=False, break_on_hyphens=False)
        wrapped = "\n".join(lines)
        item._description = wrapped[: len(wrapped) - tail - 1].rstrip() if tail else wrapped


def _value_like_an_option(io: IO, error: CleoRuntimeError) -> CodeArtifactError | None:
    """cleo reads ``--duration -1`` as the option without a value followed by an option ``-1``,
    and says only "requires a value". Name the value and the rule instead."""
    import re
    from itertools import pairwise

    match = re.fullmatch(r'The "--([\w-]+)" option requires a value', str(error))
    tokens = getattr(io.input, "_tokens", None)
    if match is None or not isinstance(tokens, list):
        return None
    flag = f"--{match[1]}"
    for given, following in pairwise(tokens):
        if given == flag and isinstance(following, str) and following.startswith("-"):
            if match[1] == "duration":
                from poetry_codeartifact.endpoint import validate_duration

                validate_duration(following, flag)  # raises: no valid duration starts with "-"
            return InvalidInput(
                flag, following, "a value that starts with \"-\" reads as another option",
                f"Write it as {flag}={following}.",
            )
    return None


def _bom_hint() -> str:
    """A hint when the project's pyproject.toml starts with a UTF-8 byte-order mark, which
    Poetry's TOML parser reports as "Empty key at line 1" with no word about the cause."""
    from pathlib import Path

    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                with candidate.open("rb") as handle:
                    starts_with_bom = handle.read(3) == b"\xef\xbb\xbf"
            except OSError:
                return ""
            if starts_with_bom:
                return (f" ({candidate} starts with a UTF-8 byte-order mark, which Poetry cannot read: save it as "
                        "UTF-8 without BOM.)")
            return ""
    return ""
