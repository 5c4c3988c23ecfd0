"""Which Poetry sources and publish repositories are CodeArtifact, and how to get their tokens.

Inputs are the project's ``[[tool.poetry.source]]`` entries, its
``[tool.poetry-codeartifact.sources.<name>]`` tables and the ``repositories`` of Poetry's config.
The output is a list of :class:`Source`, the one type the refresh and the commands work with.
Its types are ``NamedTuple`` classes for the reason given in endpoint.py: the refresh hook loads
this module on every command that talks to an index.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if sys.version_info >= (3, 11):  # a check mypy understands, for the oldest Python (3.10) too
    import tomllib as _tomllib
else:  # Python 3.10: Poetry depends on tomli there
    import tomli as _tomllib

from poetry_codeartifact.endpoint import (
    Endpoint,
    has_credentials,
    host_key,
    is_loopback,
    parse_url,
    redact,
    repository_from_path,
    split_url,
    validate_domain,
    validate_duration,
    validate_external_id,
    validate_owner,
    validate_profile,
    validate_region,
    validate_role_arn,
    validate_session_name,
    without_credentials,
)
from poetry_codeartifact.errors import InvalidInput
from poetry_codeartifact.paths import SETTINGS_NAME, config_dir

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

TABLE = "tool.poetry-codeartifact.sources"
MAPPING_KEYS = ("domain", "domain-owner", "region")
ROLE_KEYS = ("role-arn", "role-session-name", "external-id")
OPTIONAL_KEYS = ("profile", "duration", *ROLE_KEYS)
ALLOWED_KEYS = MAPPING_KEYS + OPTIONAL_KEYS
PERSONAL_KEYS = OPTIONAL_KEYS  # what a per-domain or poetry.toml table may set: no mapping
LOCAL_FILE = "poetry.toml"  # the project's local Poetry config, which is not shared

# Who vouches that a host may receive a domain's token.
Kind = Literal["source", "repository"]
Voucher = Literal["aws", "user"]
AWS: Voucher = "aws"  # a CodeArtifact URL form, over https
USER: Voucher = "user"  # a host the user trusted outside the project

AUTO_REFRESH_ENV = "POETRY_CODEARTIFACT_AUTO_REFRESH"
STORE_ENV = "POETRY_CODEARTIFACT_STORE"
PIPELINE_TOKEN_ENV = "CODEARTIFACT_AUTH_TOKEN"
PROFILE_ENV = "POETRY_CODEARTIFACT_PROFILE"
ROLE_ARN_ENV = "POETRY_CODEARTIFACT_ROLE_ARN"
TRUSTED_HOSTS_ENV = "POETRY_CODEARTIFACT_TRUSTED_HOSTS"
DEFAULT_SESSION_NAME = "poetry-codeartifact"
_FALSE = {"0", "false", "no", "off"}
_TRUE = {"", "1", "true", "yes", "on"}


def auto_refresh_enabled() -> bool:
    """``POETRY_CODEARTIFACT_AUTO_REFRESH``: true unless false, 0, no or off; anything else is
    an error, so that a typo cannot pass for either setting."""
    value = os.environ.get(AUTO_REFRESH_ENV, "true").strip().lower()
    if value in _FALSE:
        return False
    if value in _TRUE:
        return True
    raise InvalidInput(
        AUTO_REFRESH_ENV, os.environ[AUTO_REFRESH_ENV], "it is true or false (also 1/0, yes/no, on/off)",
        f"Set {AUTO_REFRESH_ENV}=false to turn automatic refresh off, or unset it.",
    )


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


def env_suffix(name: str) -> str:
    """A name as an environment variable suffix, the way Poetry spells ``POETRY_HTTP_BASIC_<NAME>``:
    upper case, anything but letters and digits as ``_``."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def pipeline_token(endpoint: Endpoint) -> tuple[str, str] | None:
    """A token the pipeline already holds for ``endpoint``'s domain, and the variable it came from.

    ``CODEARTIFACT_AUTH_TOKEN_<DOMAIN>_<OWNER>`` wins over ``CODEARTIFACT_AUTH_TOKEN_<DOMAIN>``,
    which wins over ``CODEARTIFACT_AUTH_TOKEN`` (the AWS docs' name, for every domain)."""
    domain = env_suffix(endpoint.domain)
    for variable in (f"{PIPELINE_TOKEN_ENV}_{domain}_{endpoint.owner}", f"{PIPELINE_TOKEN_ENV}_{domain}",
                     PIPELINE_TOKEN_ENV):
        value = os.environ.get(variable, "").strip()
        if value:
            return value, variable
    return None


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
    """What one authorization token serves: a domain, reached with one set of credentials.

    Tokens are stored and refreshed per key, never per source name: names are local to a
    project, and every source or repository of one domain shares its token."""

    domain: str
    owner: str
    region: str
    profile: str | None = None
    role: Role | None = None

    @property
    def id(self) -> str:
        """A stable text form: the state file's and the token store's key (no secret in it)."""
        text = f"{self.domain}-{self.owner}@{self.region}"
        if self.profile:
            text += f"/profile={self.profile}"
        if self.role is not None:
            text += f"/role={self.role.arn}"
        return text

    def identity(self) -> str:
        """Whose AWS credentials fetch the token, for messages and ``status``."""
        if self.role is not None:
            return self.role.describe() + (f" (from profile {self.profile})" if self.profile else "")
        return f"profile {self.profile}" if self.profile else "default chain"

    def describe(self) -> str:
        return f"domain {self.domain} (owner {self.owner}, region {self.region})"


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
    kind: Kind = "source"  # a source of pyproject.toml, or a publish repository of Poetry's config
    priority: str | None = None
    profile: str | None = None
    duration: int | None = None
    role: Role | None = None
    vouched: Voucher | None = AWS  # who vouches for the URL's host: AWS, USER or None (nobody)
    origins: tuple[tuple[str, str], ...] = ()  # (key, where it was set) for profile, role-arn, duration
    credential_in_url: bool = False  # the project's URL held a user:password@ part (``url`` is without it)

    @property
    def trusted(self) -> bool:
        return self.vouched is not None

    def identity_origin(self) -> str:
        """Which settings chose the credentials that fetch the token, for ``status``: e.g.
        ``profile: POETRY_CODEARTIFACT_PROFILE``; empty when nothing did (boto3's default chain)."""
        by_place: dict[str, list[str]] = {}
        for key, where in self.origins:
            if key in ("role-arn", "profile"):
                by_place.setdefault(where, []).append(key)
        parts = [f"{' and '.join(keys)}: {where}" for where, keys in by_place.items()]
        aws_profile = os.environ.get("AWS_PROFILE", "").strip()
        if self.profile is None and aws_profile:
            parts.append(f"AWS_PROFILE={aws_profile} (boto3)")
        return "; ".join(parts)

    def credential_in_url_message(self) -> str:
        return (
            f"the URL of source '{self.name}' in pyproject.toml holds a user name and password (a token written into "
            "a shared file, which expires within 12 hours). Remove the user:password@ part from the URL: the plugin "
            "sends a fresh token to that host without it."
        )

    def untrusted_message(self) -> str:
        host = host_key(self.url)
        parts = split_url(self.url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            return (
                f"the source '{self.name}' ({redact(self.url)}) uses plain http to {host}, so it gets no "
                f"CodeArtifact token: a token is never sent unencrypted to a host other than this machine, "
                "whoever trusts the host. Use https:// in the source URL."
            )
        return (
            f"the source '{self.name}' ({redact(self.url)}) is mapped to CodeArtifact {self.key.describe()}, but "
            f"{host} is not one of CodeArtifact's own hosts, so it gets no token unless you trust it "
            f"yourself: set {TRUSTED_HOSTS_ENV}={host} or add \"{host}\" to trusted-hosts in "
            f"{SETTINGS_NAME} in Poetry's config directory. A project file cannot do that for you."
        )

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
    return {name: _read_one(f"[{TABLE}.{name}]", entry) for name, entry in sources.items()}


def _read_one(where: str, entry: object) -> SourceOptions:
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
    if profile is not None:
        validate_profile(profile, f"{where} profile")
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


class Layer(NamedTuple):
    """Personal settings from one place, and how messages name that place."""

    where: str
    options: SourceOptions


class UserSettings(NamedTuple):
    """What only the user decides, outside the shared pyproject.toml: the hosts trusted to
    receive tokens besides CodeArtifact's own, and personal settings per source or domain.

    Read from ``POETRY_CODEARTIFACT_TRUSTED_HOSTS`` (comma-separated ``host`` or ``host:port``),
    from ``codeartifact.toml`` in Poetry's config directory::

        trusted-hosts = ["packages.example.com", "127.0.0.1:8080"]

        [sources.private]      # same keys as [tool.poetry-codeartifact.sources.<name>]
        profile = "me"

        [domains.acme]         # every source of domain acme: profile, duration, role keys
        profile = "acme-dev"

    and from the project's own ``poetry.toml`` (Poetry's local config, not shared), whose
    ``[codeartifact.sources.<name>]`` and ``[codeartifact.domains.<domain>]`` tables take the
    personal keys. The environment (``POETRY_CODEARTIFACT_PROFILE[_<NAME>]``,
    ``POETRY_CODEARTIFACT_ROLE_ARN[_<NAME>]``) is read when a source is resolved.
    """

    trusted_hosts: frozenset[str] = frozenset()
    sources: dict[str, SourceOptions] = {}  # noqa: RUF012 - NamedTuple defaults, never mutated
    domains: dict[str, SourceOptions] = {}  # noqa: RUF012
    local_sources: dict[str, SourceOptions] = {}  # noqa: RUF012
    local_domains: dict[str, SourceOptions] = {}  # noqa: RUF012
    path: str = SETTINGS_NAME
    local_path: str = LOCAL_FILE

    def vouch(self, url: str, endpoint_from_url: Endpoint | None) -> Voucher | None:
        """Who vouches that ``url``'s host may receive a token: AWS, USER or None."""
        if endpoint_from_url is not None:
            return AWS  # parse_url accepts CodeArtifact's own https forms only
        parts = split_url(url)
        host = host_key(url)
        if host not in self.trusted_hosts:
            return None
        if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
            return USER
        return None

    def layers(self, name: str, domain: str) -> list[Layer]:
        """The personal settings of source ``name`` of ``domain``, the one that wins first:
        environment, poetry.toml, codeartifact.toml (each per source, then per domain)."""
        found = _env_layers(name)
        for table, where in (
            (self.local_sources.get(name), f"{self.local_path} [codeartifact.sources.{name}]"),
            (self.local_domains.get(domain), f"{self.local_path} [codeartifact.domains.{domain}]"),
            (self.sources.get(name), f"{self.path} [sources.{name}]"),
            (self.domains.get(domain), f"{self.path} [domains.{domain}]"),
        ):
            if table is not None:
                found.append(Layer(where, table))
        return found


def _env_layers(name: str) -> list[Layer]:
    found = []
    for suffix in (f"_{env_suffix(name)}", ""):
        profile_var, role_var = PROFILE_ENV + suffix, ROLE_ARN_ENV + suffix
        profile = os.environ.get(profile_var, "").strip()
        role = os.environ.get(role_var, "").strip()
        if profile:
            found.append(Layer(profile_var, SourceOptions(profile=validate_profile(profile, profile_var))))
        if role:
            found.append(Layer(role_var, SourceOptions(role=Role(validate_role_arn(role, role_var)))))
    return found


def read_user_settings(directory: Path | None = None, project_dir: Path | None = None) -> UserSettings:
    """The user's settings (and the project's ``poetry.toml`` ones, given ``project_dir``); a
    malformed file or variable is an error naming it."""

    path = (directory or config_dir()) / SETTINGS_NAME
    hosts = {
        _trusted_host(entry.strip(), TRUSTED_HOSTS_ENV)
        for entry in os.environ.get(TRUSTED_HOSTS_ENV, "").split(",") if entry.strip()
    }
    data = _read_toml(path)
    unknown = [key for key in data if key not in ("trusted-hosts", "sources", "domains")]
    if unknown:
        raise InvalidInput(
            f"key in {path}", unknown[0], "unknown key; the file holds trusted-hosts, [sources.<name>] and "
            "[domains.<domain>]"
        )
    listed = data.get("trusted-hosts", [])
    if not isinstance(listed, list):
        raise InvalidInput(f"trusted-hosts in {path}", listed, "it is a list of host or host:port strings")
    hosts.update(_trusted_host(entry, f"trusted-hosts in {path}") for entry in listed)
    local: dict[str, Any] = {}
    local_path = LOCAL_FILE
    if project_dir is not None:
        local_file = project_dir / LOCAL_FILE
        local_path = str(local_file)
        table = _read_toml(local_file).get("codeartifact", {})
        if not isinstance(table, dict) or any(key not in ("sources", "domains") for key in table):
            raise InvalidInput(
                f"[codeartifact] in {local_file}", table,
                "it holds only [codeartifact.sources.<name>] and [codeartifact.domains.<domain>] tables",
            )
        local = table
    return UserSettings(
        trusted_hosts=frozenset(hosts),
        sources=_tables(data, "sources", f"in {path}", ALLOWED_KEYS),
        domains=_tables(data, "domains", f"in {path}", PERSONAL_KEYS),
        local_sources=_tables(local, "sources", f"in {local_path}", PERSONAL_KEYS, "codeartifact."),
        local_domains=_tables(local, "domains", f"in {local_path}", PERSONAL_KEYS, "codeartifact."),
        path=str(path),
        local_path=local_path,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except OSError:
        return {}
    try:
        return toml_loads(text.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and TOMLDecodeError alike
        raise InvalidInput(str(path), None, f"it is not valid TOML ({error})", "Fix or remove the file.") from error


def _tables(
    data: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...], prefix: str = ""
) -> dict[str, SourceOptions]:
    tables = data.get(key, {})
    if not isinstance(tables, dict):
        raise InvalidInput(f"[{prefix}{key}] {where}", tables, f"it is a table of tables, one per {key[:-1]} name")
    found = {}
    for name, entry in tables.items():
        label = f"[{prefix}{key}.{name}] {where}"
        for option in entry if isinstance(entry, dict) else ():
            if option not in allowed:
                raise InvalidInput(
                    f"key in {label}", option, f"unknown key here; allowed keys are {', '.join(allowed)}"
                )
        found[name] = _read_one(label, entry)
    return found


def _trusted_host(entry: object, field: str) -> str:
    fix = "For example: packages.example.com or 127.0.0.1:8080."
    if not isinstance(entry, str) or not entry or "/" in entry or "@" in entry or entry != entry.strip():
        raise InvalidInput(field, entry, "each entry is a host name or host:port, without scheme or path", fix)
    parts = split_url("https://" + entry.lower())
    port = parts.netloc.rpartition(":")[2] if not parts.netloc.endswith("]") and ":" in parts.netloc else None
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise InvalidInput(field, entry, "the port after ':' is a number from 1 to 65535", fix)
    if not parts.hostname:
        raise InvalidInput(field, entry, "each entry names a host", fix)
    return host_key("https://" + entry.lower())


def toml_loads(text: str) -> dict[str, Any]:
    """TOML with the standard parser (tomllib, or tomli where Poetry brings it on Python < 3.11):
    faster than tomlkit, which only the pyproject editor needs."""
    return _tomllib.loads(text)


def combine(project: SourceOptions | None, personal: SourceOptions | None) -> SourceOptions | None:
    """The user's personal mapping wins over the project's, as a whole."""
    if personal is None or not personal.maps_endpoint:
        return project
    if project is None:
        return personal
    return project._replace(domain=personal.domain, owner=personal.owner, region=personal.region)


def _pick(layers: list[Layer], attribute: str, key: str) -> tuple[Any, tuple[tuple[str, str], ...]]:
    for layer in layers:
        value = getattr(layer.options, attribute)
        if value is not None:
            return value, ((key, layer.where),)
    return None, ()


def resolve(
    name: str,
    url: str,
    options: SourceOptions | None,
    kind: Kind = "source",
    priority: str | None = None,
    user: UserSettings | None = None,
) -> Source | None:
    """The CodeArtifact source behind ``url``, or None when it is not CodeArtifact.

    A URL of CodeArtifact's own form names its domain; a mapping table that contradicts it is
    an error, so that a token can never be sent to another domain's host. Any other URL is
    CodeArtifact only through a mapping table, and gets a token only if the user trusts its host.

    ``profile``, the role and ``duration`` are taken key by key from the first place that sets
    them: the environment, the project's poetry.toml, the user's codeartifact.toml (per source,
    then per domain), then pyproject.toml. The command line (``--profile``) wins over all of
    them; with none of them set, boto3 reads ``AWS_PROFILE`` or its default chain.
    """
    user = user or UserSettings()
    mapping = combine(options, user.sources.get(name))
    credential_in_url = has_credentials(url)
    if credential_in_url:
        url = without_credentials(url)  # the plugin's token replaces it; the URL is only printed without it
    parsed = parse_url(url)
    if mapping is not None and mapping.maps_endpoint:
        assert mapping.domain
        assert mapping.owner
        assert mapping.region
        endpoint = Endpoint(mapping.domain, mapping.owner, mapping.region, repository_from_path(url))
        if parsed is not None and parsed[:3] != endpoint[:3]:
            raise InvalidInput(
                f"[{TABLE}.{name}] domain", mapping.domain,
                f"the URL of '{name}' belongs to domain {parsed.domain} (owner {parsed.owner}, region "
                f"{parsed.region}), and a token of one domain is never sent to another's host",
                "Remove domain, domain-owner and region from the table: the URL says them already.",
            )
    elif parsed is None:
        return None
    else:
        endpoint = parsed
    layers = user.layers(name, endpoint.domain)
    if options is not None:
        layers.append(Layer("pyproject.toml", options))
    profile, profile_from = _pick(layers, "profile", "profile")
    role, role_from = _pick(layers, "role", "role-arn")
    duration, duration_from = _pick(layers, "duration", "duration")
    return Source(
        name=name,
        url=url,
        endpoint=endpoint,
        kind=kind,
        priority=priority,
        profile=profile,
        duration=duration,
        role=role,
        vouched=user.vouch(url, parsed),
        origins=role_from + profile_from + duration_from,
        credential_in_url=credential_in_url,
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


def project_sources(pyproject: Mapping[str, Any] | None, user: UserSettings | None = None) -> list[Source]:
    """The CodeArtifact sources of a project's ``[[tool.poetry.source]]``."""
    options = read_options(pyproject)
    found = []
    for name, url, priority in source_entries(pyproject):
        source = resolve(name, url, options.get(name), "source", priority, user)
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
    repositories: Mapping[str, Any] | None,
    pyproject: Mapping[str, Any] | None = None,
    user: UserSettings | None = None,
) -> list[Source]:
    """The CodeArtifact repositories of Poetry's config (``poetry publish -r NAME`` targets)."""
    options = read_options(pyproject)
    found = []
    for name, entry in (repositories or {}).items():
        url = entry.get("url") if isinstance(entry, dict) else None
        if isinstance(url, str):
            source = resolve(name, url, options.get(name), "repository", None, user)
            if source is not None:
                found.append(source)
    return found


def all_sources(
    pyproject: Mapping[str, Any] | None,
    repositories: Mapping[str, Any] | None,
    user: UserSettings | None = None,
) -> list[Source]:
    """Project sources first, then config repositories of other names: one entry per name."""
    return unique_by_name([*project_sources(pyproject, user), *config_repositories(repositories, pyproject, user)])


def unique_by_name(sources: Iterable[Source]) -> list[Source]:
    seen: dict[str, Source] = {}
    for source in sources:
        seen.setdefault(source.name, source)
    return list(seen.values())
