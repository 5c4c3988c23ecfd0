"""``poetry codeartifact doctor [NAME ...]``: ask AWS and each repository what is wrong, and say
how to fix it. The one command that calls AWS to diagnose; it stores nothing and prints no token."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any, ClassVar

from cleo.helpers import argument
from cleo.io.outputs.output import Verbosity

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import FORMAT_OPTION, CodeArtifactCommand
from poetry_codeartifact.errors import CodeArtifactError

if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument
    from cleo.io.inputs.option import Option
    from poetry.config.config import Config

    from poetry_codeartifact.doctor import SourceReport, Verify
    from poetry_codeartifact.settings import Source

FORMATS = ("text", "json")
WIDTH = 100
STATUS_WIDTH = 9
STYLES = {"ok": "info", "warning": "comment", "failed": "error", "skipped": "comment"}

HELP = """\
Checks every CodeArtifact source of the project and every CodeArtifact
repository of Poetry's config (or only the NAMEs given), live, and says for
each failure how to fix it:

  identity      who AWS says the credentials are (STS GetCallerIdentity), with
                the profile or role the token fetch uses
  token         whether CodeArtifact issues a token (a 15-minute one, never
                stored)
  repository    whether the repository answers an index request with that
                token
  upstreams     what is behind the repository: upstreams, and whether PyPI is
                among their external connections (needs
                codeartifact:DescribeRepository)
  dependency-confusion
                whether another index next to CodeArtifact could hand Poetry a
                public package under one of your private names

Exit code: 0 when no check failed (warnings allowed), 1 when one did, or when
there is no CodeArtifact source to check. With --format json the result goes
to stdout as JSON. No token is ever printed, stored or handed to Poetry.
"""


class DoctorCommand(CodeArtifactCommand):
    name = "codeartifact doctor"
    description = DESCRIPTIONS[name]
    help = HELP
    arguments: ClassVar[list[Argument]] = [
        argument("names", "Sources or publish repositories to check. Default: all of them.", optional=True,
                 multiple=True)
    ]
    options: ClassVar[list[Option]] = [
        FORMAT_OPTION,
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.doctor import FAILED, Doctor, worst

        output_format = self.output_format(FORMATS)
        if output_format == "json":
            self._load_project_quietly()
        try:
            sources = self.selected_sources(self.argument("names") or [])
        except CodeArtifactError as error:
            if output_format != "json":
                raise
            self.io.write_line(json.dumps({"status": FAILED, "sources": [], "problem": str(error)}, indent=2))
            return 1
        config = self.config()
        doctor = Doctor(self.client_factory, pyproject=self.pyproject_data(),
                        certificates=_certificates(config, sources))
        project_sources = {source.name for source in self.known_sources() if source.kind == "source"}
        reports = doctor.examine(sources, project_sources)
        status = worst(report.status for report in reports)
        if output_format == "json":
            self.io.write_line(json.dumps({"status": status, "sources": [r.as_dict() for r in reports]}, indent=2))
        else:
            for report in reports:
                self._render(report)
            self.line(_summary(reports))
        return 1 if status == FAILED else 0

    def _load_project_quietly(self) -> None:
        """Poetry describes the project it loads on stdout at -vvv; JSON output must stay JSON."""

        verbosity = self.io.output.verbosity
        if verbosity.value > Verbosity.NORMAL.value:
            self.io.output.set_verbosity(Verbosity.NORMAL)
        try:
            self.project()
        except CodeArtifactError:
            pass  # selected_sources() says it again, as JSON
        finally:
            self.io.output.set_verbosity(verbosity)

    def _render(self, report: SourceReport) -> None:
        from poetry_codeartifact.console import escape

        s, e = report.source, report.source.endpoint
        where = f"{s.kind}, {s.priority}" if s.priority else s.kind
        self.line(f"<b>{escape(s.name)}</b> ({where}): {escape(e.describe())}, owner {e.owner}, region {e.region}")
        indent = " " * (2 + STATUS_WIDTH)
        for check in report.checks:
            head = f"  {check.status:<{STATUS_WIDTH}}"
            wrapper = textwrap.TextWrapper(WIDTH, initial_indent=head, subsequent_indent=indent,
                                           break_long_words=False, break_on_hyphens=False)
            lines = wrapper.wrap(f"{check.name}: {check.message}")
            if check.fix:
                wrapper.initial_indent = indent
                lines += wrapper.wrap(f"fix: {check.fix}")
            style = STYLES[check.status]
            self.line(f"  <{style}>{check.status:<{STATUS_WIDTH}}</{style}>{escape(lines[0][len(head):])}")
            for line in lines[1:]:
                self.line(escape(line))
        self.line("")


def _summary(reports: list[SourceReport]) -> str:
    failed, warnings = (sum(c.status == status for r in reports for c in r.checks) for status in ("failed", "warning"))
    checked = f"{_count(len(reports), 'source')} checked"
    if failed:
        return (f"<error>{checked}: {failed} failed, {_count(warnings, 'warning')}.</error> "
                "Fix what failed (see fix:), then run doctor again.")
    if warnings:
        return f"<comment>{checked}: nothing failed, {_count(warnings, 'warning')}.</comment>"
    return f"<info>{checked}: everything works.</info>"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _certificates(config: Config, sources: list[Source]) -> dict[str, tuple[Verify, str | None]]:
    """Poetry's ``certificates.<name>.cert`` / ``client-cert``, so the check connects as Poetry does."""
    found: dict[str, tuple[Verify, str | None]] = {}
    table: Any = config.get("certificates") or {}
    for source in sources:
        entry = table.get(source.name) if isinstance(table, dict) else None
        if not isinstance(entry, dict):
            continue
        cert, client_cert = entry.get("cert"), entry.get("client-cert")
        verify: Verify = False if cert in (False, "false") else str(cert) if cert else True
        found[source.name] = (verify, str(client_cert) if client_cert else None)
    return found
