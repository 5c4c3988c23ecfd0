"""``poetry codeartifact status``: the command line; the report is made by status_report.py."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from cleo.formatters.formatter import Formatter

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import FORMAT_OPTION, CodeArtifactCommand

if TYPE_CHECKING:
    from cleo.io.inputs.option import Option

    from poetry_codeartifact.status_report import Row

FORMATS = ("text", "json", "table")  # "table": the 0.1.0 name of "text"


class StatusCommand(CodeArtifactCommand):
    name = "codeartifact status"
    description = DESCRIPTIONS[name]
    help = """\
Lists every CodeArtifact source of the project and repository of Poetry's
config: its domain, owner, region and repository, the identity that fetches
its token (profile, role or default chain) and the setting that chose it,
where the domain's token lives (keyring, codeartifact-tokens.json, memory, an
environment variable) and when it expires.

It reads local files only: no AWS call, and never a token. It warns, with the
fix, about a supplemental CodeArtifact source next to a primary PyPI
(dependency confusion), a URL that looks like CodeArtifact but does not parse,
and a profile that does not exist on this machine.

  <comment>poetry codeartifact status --format json</comment>

To check with AWS that everything works, run <comment>poetry codeartifact doctor</comment>."""
    options: ClassVar[list[Option]] = [
        FORMAT_OPTION,
    ]

    def run_command(self) -> int:
        from poetry_codeartifact import status_report as report
        from poetry_codeartifact.console import warn
        from poetry_codeartifact.settings import memory_store
        from poetry_codeartifact.state import StateFile
        from poetry_codeartifact.store import open_store

        output_format = self.output_format(FORMATS)
        config = self.config()
        sources = self.known_sources()
        memory = memory_store()
        store = open_store(config, lambda message: warn(self.io, message), memory_only=memory)
        records = StateFile.beside(config).load()
        rows = [report.row(source, store, records.get(source.key.id), memory) for source in sources]
        warnings = report.warnings(sources, self.pyproject_data(), config.get("repositories") or {})

        if output_format == "json":
            self.io.write_line(json.dumps({"sources": [row._asdict() for row in rows], "warnings": warnings}, indent=2))
            return 0
        if not rows:
            self.line("No CodeArtifact source or repository found. Add one with `poetry codeartifact add-source`.")
        for index, row in enumerate(rows):
            if index:
                self.line("")
            self._render(row)
        for message in warnings:
            warn(self.io, message if output_format == "json" else report.wrap(message))
        return 0

    def _render(self, row: Row) -> None:
        """One block per name, each line well within 100 columns for usual names and URLs."""

        escape = Formatter.escape
        used_as = "source" if row.kind == "source" else "publish repository"
        if row.priority != "-":
            used_as += f", {row.priority}"
        self.line(f"<info>{escape(row.name)}</info> ({used_as})")
        fields = [
            ("repository", f"{row.domain}/{row.repository} (owner {row.owner}, region {row.region})"),
            ("credentials", row.identity),
            *([("set by", row.identity_from)] if row.identity_from else []),
            ("token", row.credential if row.expires in ("-", "missing") else f"{row.credential}, "
                      f"expires {row.expires}"),
        ]
        for label, value in fields:
            self.line(f"  {label:<12} {escape(value)}")
