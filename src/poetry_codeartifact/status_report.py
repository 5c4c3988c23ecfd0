"""The work of ``poetry codeartifact status``: one row per CodeArtifact name, and the warnings,
from local files only (no AWS call, never a token)."""

from __future__ import annotations

import textwrap
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from poetry_codeartifact.console import describe_expiry, describe_location
from poetry_codeartifact.credentials import from_environment
from poetry_codeartifact.endpoint import looks_like_codeartifact, redact
from poetry_codeartifact.settings import pipeline_token, source_entries

if TYPE_CHECKING:
    from poetry_codeartifact.settings import Source
    from poetry_codeartifact.state import TokenRecord
    from poetry_codeartifact.store import Store


class Row(NamedTuple):
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


def wrap(message: str) -> str:
    return "\n".join(textwrap.wrap(message, 100 - len("CodeArtifact: "), subsequent_indent="  ",
                                   break_long_words=False, break_on_hyphens=False))


def row(source: Source, store: Store, record: TokenRecord | None, memory: bool) -> Row:
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


def warnings(sources: list[Source], pyproject: Any, repositories: dict[str, Any]) -> list[str]:
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
