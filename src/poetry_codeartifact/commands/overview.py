"""``poetry codeartifact``: which plugin this is (its version, where it is installed) and the
commands of the namespace. cleo answers a bare namespace with an error; this answers with a list."""

from __future__ import annotations

import textwrap
from importlib import metadata
from pathlib import Path

from cleo.terminal import Terminal

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import CodeArtifactCommand

NAMESPACE = "codeartifact"
DISTRIBUTION = "poetry-codeartifact"


class OverviewCommand(CodeArtifactCommand):
    name = NAMESPACE
    description = DESCRIPTIONS[name]
    help = """\
Lists the commands of the <info>codeartifact</info> namespace with what each does, and
names the installed plugin: its version and the folder it was loaded from. The
name poetry-codeartifact on PyPI belongs to an unrelated project; <comment>poetry self
show plugins</comment> shows what Poetry loaded.

  <comment>add-source NAME --url URL</comment>   add a source and log in
  <comment>login [NAME ...]</comment>            fetch tokens now
  <comment>status</comment>                      sources, identities, expiry (no AWS call)
  <comment>doctor</comment>                      check every source with AWS, with fixes
  <comment>logout [NAME ...]</comment>           remove stored tokens
  <comment>token [NAME]</comment>                print a token for pip, uv, twine, docker

Run <comment>poetry codeartifact COMMAND --help</comment> for a command's options."""

    def run_command(self) -> int:
        self.line(f"<info>{DISTRIBUTION}</info> {_version()} ({Path(__file__).resolve().parent.parent})")
        self.line("")
        self.line("<comment>Available commands:</comment>")
        commands = {
            name: command for name, command in self.application.all(NAMESPACE).items()  # type: ignore[union-attr]
            if name != NAMESPACE and not command.hidden
        }
        width = max((len(name) for name in commands), default=0)
        columns = max(Terminal().width, 60)  # COLUMNS, or the terminal's, or 80
        for name, command in sorted(commands.items()):
            lines = textwrap.wrap(command.description, max(columns - width - 4, 30)) or [""]
            self.line(f"  <info>{name.ljust(width)}</info>  {lines[0]}")
            for line in lines[1:]:
                self.line(" " * (width + 4) + line)
        self.line("")
        self.line("Run <comment>poetry codeartifact COMMAND --help</comment> for a command's options.")
        return 0


def _version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree without being installed
        return "(not installed)"
