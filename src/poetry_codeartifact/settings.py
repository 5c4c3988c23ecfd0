"""Which Poetry sources and publish repositories are CodeArtifact, and how to get their tokens.

Inputs are the project's ``[[tool.poetry.source]]`` entries, its
``[tool.poetry-codeartifact.sources.<name>]`` tables and the ``repositories`` of Poetry's config.
The output is a list of :class:`Source`, the one type the refresh and the commands work with.
Its types are ``NamedTuple`` classes for the reason given in endpoint.py: the refresh hook loads
this module on every command that talks to an index.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NamedTuple

from poetry_codeartifact.endpoint import (
    Endpoint,
    parse_url,
    repository_from_path,
    validate_domain,
    validate_duration,
    validate_external_id,
    validate_owner,
    validate_region,
    validate_role_arn,
    validate_session_name,
)
from poetry_codeartifact.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

TABLE = "tool.poetry-codeartifact.sources"
MAPPING_KEYS = ("domain", "domain-owner", "region")
ROLE_KEYS = ("role-arn", "role-session-name", "external-id")
OPTIONAL_KEYS = ("profile", "duration", *ROLE_KEYS)
ALLOWED_KEYS = MAPPING_KEYS + OPTIONAL_KEYS

AUTO_REFRESH_ENV = "POETRY_CODEARTIFACT_AUTO_REFRESH"
STORE_ENV = "POETRY_CODEARTIFACT_STORE"
PIPELINE_TOKEN_ENV = "CODEARTIFACT_AUTH_TOKEN"
DEFAULT_SESSION_NAME = "poetry-codeartifact"
_FALSE = {"0", "false", "no", "off"}


def auto_refresh_enabled() -> bool:
    return os.environ.get(AUTO_REFRESH_ENV, "true").strip().lower() not in _FALSE


def memory_store() -> bool:
    """``POETRY_CODEARTIFACT_STORE=memory``: tokens live only in the running Poetry process."""
    value = os.environ.get(STORE_ENV, "").strip().lower()
    if value in ("", "poetry", "default"):
        return False
    if value == "memory":
        return True
    raise InvalidInput(
        STORE_ENV, os.environ[STORE_ENV], "it is 'memory' (CI: nothing on disk) or unset (Poetry's storage)",
        f"Unset {STORE_ENV} or set it to memory.",
    )


def pipeline_token() -> str | None:
    """A token the pipeline already holds (``CODEARTIFACT_AUTH_TOKEN``, as in the AWS docs)."""
    value = os.environ.get(PIPELINE_TOKEN_ENV, "").strip()
    return value or None


class Role(NamedTuple):
    """An IAM role to assume with STS before fetching the token."""

    arn: str
    session_name: str = DEFAULT_SESSION_NAME
    external_id: str | None = None

    def __repr__(self) -> str:  # the external ID is a shared secret of sorts: never printed
        return f"Role(arn={self.arn!r}, session_name={self.session_name!r})"

    def describe(self) -> str:
        return f"role {self.arn}"


class TokenKey(NamedTuple):
    """What one authorization token serves: a domain, reached with one set of credentials."""

    domain: str
    owner: str
    region: str
    profile: str | None = None
    role: Role | None = None


class SourceOptions(NamedTuple):
    """One ``[tool.poetry-codeartifact.sources.<name>]`` table, validated."""

    domain: str | None = None
    owner: str | None = None
    region: str | None = None
    profile: str | None = None
    duration: int | None = None
    role: Role | None = None

    @property
    def maps_endpoint(self) -> bool:
        return self.domain is not None


class Source(NamedTuple):
    """A Poetry source or publish repository that is served by CodeArtifact.

    ``name`` is also the name of Poetry's credential (``http-basic.<name>``), shared by a
    source and a publish repository of the same name.
    """

    name: str
    url: str
    endpoint: Endpoint
    kind: str = "source"  # "source" (pyproject.toml) or "repository" (Poetry config)
    priority: str | None = None
    profile: str | None = None
    duration: int | None = None
    role: Role | None = None

    @property
    def key(self) -> TokenKey:
        e = self.endpoint
        return TokenKey(e.domain, e.owner, e.region, self.profile, self.role)


def read_options(pyproject: Mapping[str, Any] | None) -> dict[str, SourceOptions]:
    """Validate the ``[tool.poetry-codeartifact]`` table; every error names the key at fault."""
    tool = (pyproject or {}).get("tool", {})
    table = tool.get("poetry-codeartifact")
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise InvalidInput("[tool.poetry-codeartifact]", table, "it must be a table")
    unknown = [key for key in table if key != "sources"]
    if unknown:
        raise InvalidInput(
            "key in [tool.poetry-codeartifact]", unknown[0], "unknown key; the table holds only 'sources'",
            "Put per-source settings under [tool.poetry-codeartifact.sources.<name>].",
        )
    sources = table.get("sources", {})
    if not isinstance(sources, dict):
        raise InvalidInput(f"[{TABLE}]", sources, "it must be a table of tables, one per source name")
    return {name: _read_one(name, entry) for name, entry in sources.items()}


def _read_one(name: str, entry: object) -> SourceOptions:
    where = f"[{TABLE}.{name}]"
    if not isinstance(entry, dict):
        raise InvalidInput(where, entry, "it must be a table")
    for key in entry:
        if key not in ALLOWED_KEYS:
            raise InvalidInput(
                f"key in {where}", key, f"unknown key; allowed keys are {', '.join(ALLOWED_KEYS)}"
            )
    present = [key for key in MAPPING_KEYS if key in entry]
    if present and len(present) != len(MAPPING_KEYS):
        missing = [key for key in MAPPING_KEYS if key not in entry]
        raise InvalidInput(
            f"{where} {missing[0]}", None,
            "domain, domain-owner and region are set together or not at all",
            f"Add {', '.join(missing)} to {where}.",
        )
    profile = entry.get("profile")
    if profile is not None and (not isinstance(profile, str) or not profile.strip()):
        raise InvalidInput(f"{where} profile", profile, "a profile is a non-empty name from ~/.aws/config")
    duration = entry.get("duration")
    role = None
    if "role-arn" in entry:
        role = Role(
            validate_role_arn(entry["role-arn"], f"{where} role-arn"),
            validate_session_name(entry["role-session-name"], f"{where} role-session-name")
            if "role-session-name" in entry else DEFAULT_SESSION_NAME,
            validate_external_id(entry["external-id"], f"{where} external-id") if "external-id" in entry else None,
        )
    else:
        orphan = next((key for key in ("role-session-name", "external-id") if key in entry), None)
        if orphan is not None:
            raise InvalidInput(
                f"{where} {orphan}", entry[orphan], "it only applies together with role-arn",
                f"Add role-arn to {where} or remove {orphan}.",
            )
    return SourceOptions(
        domain=validate_domain(entry["domain"], f"{where} domain") if present else None,
        owner=validate_owner(entry["domain-owner"], f"{where} domain-owner") if present else None,
        region=validate_region(entry["region"], f"{where} region") if present else None,
        profile=profile,
        duration=validate_duration(duration, f"{where} duration") if duration is not None else None,
        role=role,
    )


def resolve(
    name: str,
    url: str,
    options: SourceOptions | None,
    kind: str = "source",
    priority: str | None = None,
) -> Source | None:
    """The CodeArtifact source behind ``url``, or None when it is not CodeArtifact."""
    if options is not None and options.maps_endpoint:
        assert options.domain and options.owner and options.region
        endpoint = Endpoint(options.domain, options.owner, options.region, repository_from_path(url))
    else:
        parsed = parse_url(url)
        if parsed is None:
            return None
        endpoint = parsed
    return Source(
        name=name,
        url=url,
        endpoint=endpoint,
        kind=kind,
        priority=priority,
        profile=options.profile if options else None,
        duration=options.duration if options else None,
        role=options.role if options else None,
    )


def source_entries(pyproject: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """(name, url, priority) of every ``[[tool.poetry.source]]`` with a URL, CodeArtifact or not."""
    entries = (pyproject or {}).get("tool", {}).get("poetry", {}).get("source", [])
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        name, url = entry.get("name"), entry.get("url")
        if isinstance(name, str) and isinstance(url, str):
            found.append((name, url, str(entry.get("priority") or _legacy_priority(entry))))
    return found


def project_sources(pyproject: Mapping[str, Any] | None) -> list[Source]:
    """The CodeArtifact sources of a project's ``[[tool.poetry.source]]``."""
    options = read_options(pyproject)
    found = []
    for name, url, priority in source_entries(pyproject):
        source = resolve(name, url, options.get(name), "source", priority)
        if source is not None:
            found.append(source)
    return found


def _legacy_priority(entry: Mapping[str, Any]) -> str:
    if entry.get("default"):
        return "default"
    if entry.get("secondary"):
        return "secondary"
    return "primary"


def config_repositories(
    repositories: Mapping[str, Any] | None, pyproject: Mapping[str, Any] | None = None
) -> list[Source]:
    """The CodeArtifact repositories of Poetry's config (``poetry publish -r NAME`` targets)."""
    options = read_options(pyproject)
    found = []
    for name, entry in (repositories or {}).items():
        url = entry.get("url") if isinstance(entry, dict) else None
        if isinstance(url, str):
            source = resolve(name, url, options.get(name), "repository")
            if source is not None:
                found.append(source)
    return found


def all_sources(
    pyproject: Mapping[str, Any] | None, repositories: Mapping[str, Any] | None
) -> list[Source]:
    """Project sources first, then config repositories of other names: one entry per name."""
    return unique_by_name([*project_sources(pyproject), *config_repositories(repositories, pyproject)])


def unique_by_name(sources: Iterable[Source]) -> list[Source]:
    seen: dict[str, Source] = {}
    for source in sources:
        seen.setdefault(source.name, source)
    return list(seen.values())
