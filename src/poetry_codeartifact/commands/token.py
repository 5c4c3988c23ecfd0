"""``poetry codeartifact token [NAME]``: print a valid token for other tools (pip, uv, twine,
``docker build --secret``), refreshing it first if it is due. Only the token goes to stdout."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar

from cleo.helpers import argument, option
from cleo.io.outputs.output import Type as OutputType
from cleo.io.outputs.output import Verbosity

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import CodeArtifactCommand
from poetry_codeartifact.errors import CodeArtifactError

if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument
    from cleo.io.inputs.option import Option



class TokenCommand(CodeArtifactCommand):
    name = "codeartifact token"
    description = DESCRIPTIONS[name]
    help = """\
Prints only a valid token on stdout, refreshing it first if it is due, for
tools that are not Poetry:

  <comment>export UV_INDEX_PRIVATE_PASSWORD=$(poetry codeartifact token private)</comment>
  <comment>CODEARTIFACT_TOKEN=$(poetry codeartifact token) \\
      docker build --secret id=codeartifact,env=CODEARTIFACT_TOKEN .</comment>

NAME can be left out when all sources share one domain. It refuses to print to
a terminal unless you pass --force, because a token shown on screen ends up in
scrollback and screenshots."""
    arguments: ClassVar[list[Argument]] = [
        argument("name", "Source or publish repository. Optional when all of them share one domain.", optional=True)
    ]
    options: ClassVar[list[Option]] = [
        option("force", None, "Print even when stdout is a terminal (the token ends up in scrollback)."),
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.credentials import environment_password
        from poetry_codeartifact.refresh import MANAGED, UNTRUSTED

        name = self.argument("name")
        if self.stdout_is_terminal() and not self.option("force"):
            raise CodeArtifactError(
                "Refusing to print a CodeArtifact token to a terminal: it would stay in the scrollback and in "
                "screenshots. Pipe or capture it instead, e.g. "
                "`export TOKEN=$(poetry codeartifact token)`, or pass --force."
            )
        # Poetry describes the project it loads on stdout at -vvv; stdout is for the token alone.
        verbosity = self.io.output.verbosity
        if verbosity.value > Verbosity.NORMAL.value:
            self.io.output.set_verbosity(Verbosity.NORMAL)
        try:
            self.project()
        finally:
            self.io.output.set_verbosity(verbosity)
        sources = self.selected_sources([name] if name else [])
        if len({source.key for source in sources}) > 1:
            names = ", ".join(sorted(source.name for source in sources))
            raise CodeArtifactError(
                f"The CodeArtifact sources here use more than one domain or identity ({names}): "
                "name the one you want, e.g. `poetry codeartifact token NAME`."
            )
        source = sources[0]
        config = self.config()

        refresher = self.refresher(config)
        (outcome,) = refresher.ensure([source])
        if outcome.status == MANAGED:
            token = environment_password(source.name)
        else:
            token = refresher.tokens.get(source.key) if outcome.status != UNTRUSTED else None
        if not token:
            raise CodeArtifactError(f"No token is available for '{source.name}'.")
        self.io.write_line(token, verbosity=Verbosity.QUIET, type=OutputType.RAW)  # -q too: $(...) needs it
        return 0

    def stdout_is_terminal(self) -> bool:
        stream = getattr(self.io.output, "stream", None)
        try:
            return stream is not None and os.isatty(stream.fileno())
        except (OSError, ValueError, AttributeError):
            return False
