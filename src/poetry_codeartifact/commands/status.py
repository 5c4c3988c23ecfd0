"""``poetry codeartifact status``: which sources are CodeArtifact, whose credentials they use,
where each token lives and when it expires. Reads local files only: no AWS call, never a token."""

from __future__ import annotations

import json
import textwrap
import time
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from cleo.formatters.formatter import Formatter

from poetry_codeartifact.commands.base import FORMAT_OPTION, CodeArtifactCommand
from poetry_codeartifact.console import describe_expiry, describe_location, warn
from poetry_codeartifact.credentials import from_environment
from poetry_codeartifact.endpoint import looks_like_codeartifact, redact
from poetry_codeartifact.settings import memory_store, pipeline_token, source_entries
from poetry_codeartifact.state import StateFile
from poetry_codeartifact.store import open_store

if TYPE_CHECKING:
    from cleo.io.inputs.option import Option

    from poetry_codeartifact.settings import Source
    from poetry_codeartifact.state import TokenRecord
    from poetry_codeartifact.store import Store

FORMATS = ("text", "json", "table")  # "table": the 0.1.0 name of "text"


class Row(NamedTuple):  # not a dataclass: `poetry list` imports this module, and must stay cheap
    name: str
    kind: str
    priority: str
    domain: str
    owner: str
    region: str
    repository: str
    identity: str
    identity_from: str
    credential: str
    expires: str
    expires_at: float | None


class StatusCommand(CodeArtifactCommand):
    name = "codeartifact status"
    description = "Show the CodeArtifact sources, whose credentials they use, and token expiry (no AWS call)."
    help = """\
Lists every CodeArtifact source of the project and repository of Poetry's config: its domain,
owner, region and repository, the identity that fetches its token (profile, role or default chain)
and the setting that chose it, where the domain's token lives (keyring, codeartifact-tokens.json,
memory, an environment variable) and when it expires.

It reads local files only: no AWS call, and never a token. It warns, with the fix, about a
supplemental CodeArtifact source next to a primary PyPI (dependency confusion), a URL that looks
like CodeArtifact but does not parse, and a profile that does not exist on this machine.

  <comment>poetry codeartifact status --format json</comment>

To check with AWS that everything works, run <comment>poetry codeartifact doctor</comment>."""
    options: ClassVar[list[Option]] = [
        FORMAT_OPTION,
    ]

    def run_command(self) -> int:
        output_format = self.output_format(FORMATS)
        config = self.config()
        sources = self.known_sources()
        memory = memory_store()
        store = open_store(config, lambda message: warn(self.io, message), memory_only=memory)
        records = StateFile.beside(config).load()
        rows = [_row(source, store, records.get(source.key.id), memory) for source in sources]
        warnings = _warnings(sources, self.pyproject_data(), config.get("repositories") or {})

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
            warn(self.io, message if output_format == "json" else _wrap(message))
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


def _wrap(message: str) -> str:
    return "\n".join(textwrap.wrap(message, 100 - len("CodeArtifact: "), subsequent_indent="  ",
                                   break_long_words=False, break_on_hyphens=False))


def _row(source: Source, store: Store, record: TokenRecord | None, memory: bool) -> Row:
    e = source.endpoint
    expires_at = None
    if from_environment(source.name):
        credential, expires = "environment (POETRY_HTTP_BASIC_*)", "unknown"
    elif not source.trusted:
        credential, expires = "none: untrusted host", "-"
    elif (provided := pipeline_token(source.endpoint)) is not None:
        credential, expires = f"environment ({provided[1]})", "unknown"
    elif memory:
        credential, expires = "memory", "fetched by each Poetry run"
    elif record is None or not record.describes(store.get(source.key.id, record.where)):
        credential, expires = "missing", "missing"
    else:
        credential = describe_location(record.where)
        if record.expired(time.time()):
            expires, expires_at = "expired", record.expires_at
        else:
            expires, expires_at = describe_expiry(record.expires_at), record.expires_at
    return Row(
        name=source.name, kind=source.kind, priority=source.priority or "-", domain=e.domain, owner=e.owner,
        region=e.region, repository=e.repository or "-", identity=source.key.identity(),
        identity_from=source.identity_origin(), credential=credential,
        expires=expires, expires_at=expires_at,
    )


def _warnings(sources: list[Source], pyproject: Any, repositories: dict[str, Any]) -> list[str]:
    messages = []
    entries = source_entries(pyproject)
    codeartifact = {source.name for source in sources}
    primaries = [name for name, _, priority in entries if priority in ("primary", "default")]
    other_primaries = [name for name in primaries if name not in codeartifact]
    for source in sources:
        if source.credential_in_url:
            messages.append(source.credential_in_url_message())
        if source.kind == "source" and source.priority in ("supplemental", "secondary"):
            rival = "PyPI" if not primaries else f"'{other_primaries[0]}'" if other_primaries else None
            if rival is not None:
                messages.append(
                    f"'{source.name}' is {source.priority} while {rival} is a primary index: a public package "
                    "with the name of one of your private packages would be installed from there instead "
                    f"(dependency confusion). Make '{source.name}' primary (`--priority primary`), or mark it "
                    f"explicit and pin each private package to it with source = \"{source.name}\"."
                )
    unparsed = [(name, url) for name, url, _ in entries if name not in codeartifact]
    unparsed += [
        (name, entry.get("url", "")) for name, entry in repositories.items()
        if isinstance(entry, dict) and name not in codeartifact
    ]
    for name, url in dict(reversed(unparsed)).items():
        if isinstance(url, str) and looks_like_codeartifact(url):
            messages.append(
                f"the URL of '{name}' ({redact(url)}) looks like CodeArtifact but is not a repository URL the plugin "
                "understands (https://<domain>-<owner>.d.codeartifact.<region>.amazonaws.com/pypi/<repo>/simple/). "
                f"Fix it, or map it in [tool.poetry-codeartifact.sources.{name}] with domain, domain-owner and region."
            )
    profiles = sorted({source.profile for source in sources if source.profile})
    if profiles:
        available = _available_profiles()
        for profile in profiles:
            if available is not None and profile not in available:
                users = ", ".join(f"'{s.name}'" for s in sources if s.profile == profile)
                messages.append(
                    f"the AWS profile '{profile}' (used by {users}) does not exist on this machine; tokens will be "
                    f"fetched with the default credential chain. Create it with `aws configure --profile {profile}` "
                    "(or `aws configure sso`), or fix the name."
                )
    return messages


def _available_profiles() -> set[str] | None:
    try:
        import botocore.session  # noqa: PLC0415 - botocore only when asked

        return set(botocore.session.Session().available_profiles)
    except Exception:  # a broken ~/.aws/config: the token fetch will explain it
        return None
