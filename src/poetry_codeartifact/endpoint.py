"""CodeArtifact endpoints: the one data type for "which domain, owner, region and repository".

Recognises the URL forms CodeArtifact serves PyPI repositories under and validates every
field against the AWS naming rules, so that the rest of the plugin never handles loose strings.

The refresh hook imports this module on every ``poetry install``, ``lock`` and so on, so it is
kept cheap to load: patterns are compiled on first use (``re``'s cache), not at import, and the
data types are ``NamedTuple`` classes, which Python builds about ten times faster than frozen
dataclasses (benchmarks/run.py measures what the hook costs).
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

from poetry_codeartifact.errors import InvalidInput

DOMAIN_PATTERN = r"[a-z][a-z0-9\-]{0,48}[a-z0-9]"
OWNER_PATTERN = r"[0-9]{12}"
REGION_PATTERN = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"
REPOSITORY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._\-]{1,99}"
# A Poetry source name doubles as a config key (``http-basic.NAME``) and as part of an
# environment variable name, so dots and other punctuation are refused.
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_\-]{0,62}"

MIN_DURATION = 900
MAX_DURATION = 43200

_SUFFIX = r"(?:amazonaws\.com|amazonaws\.com\.cn)"
_STANDARD_HOST = (
    rf"(?P<domain>{DOMAIN_PATTERN})-(?P<owner>{OWNER_PATTERN})"
    rf"\.d\.codeartifact\.(?P<region>{REGION_PATTERN})\.{_SUFFIX}"
)
_DUALSTACK_HOST = (
    rf"(?P<domain>{DOMAIN_PATTERN})-(?P<owner>{OWNER_PATTERN})"
    rf"\.codeartifact\.(?P<region>{REGION_PATTERN})\.on\.aws"
)
# vpce-<id>-<suffix>, or the zonal name vpce-<id>-<suffix>-<availability zone>
_VPCE_HOST = (
    rf"vpce-[a-z0-9]+-[a-z0-9]+(?:-{REGION_PATTERN}[a-z])?"
    rf"\.d\.codeartifact\.(?P<region>{REGION_PATTERN})\.vpce\.{_SUFFIX}"
)
_REPO_PATH = rf"/pypi/(?P<repository>{REPOSITORY_PATTERN})(?:/(?:simple/?)?)?"
_VPCE_PATH = (
    rf"/pypi/d/(?P<domain>{DOMAIN_PATTERN})-(?P<owner>{OWNER_PATTERN})"
    rf"/(?P<repository>{REPOSITORY_PATTERN})(?:/(?:simple/?)?)?"
)


class _EndpointFields(NamedTuple):
    domain: str
    owner: str
    region: str
    repository: str | None = None


class Endpoint(_EndpointFields):
    """A CodeArtifact PyPI repository, or at least the domain that issues its tokens.

    Immutable, and validated when made: an invalid field raises :class:`InvalidInput`."""

    __slots__ = ()

    def __new__(cls, domain: str, owner: str, region: str, repository: str | None = None) -> Endpoint:
        validate_domain(domain)
        validate_owner(owner)
        validate_region(region)
        if repository is not None:
            validate_repository(repository)
        return super().__new__(cls, domain, owner, region, repository)

    def describe(self) -> str:
        """``domain/repository`` for messages (the token itself is per domain)."""
        return f"{self.domain}/{self.repository}" if self.repository else self.domain

    def standard_url(self) -> str:
        """The upload URL CodeArtifact serves this repository under."""
        if self.repository is None:
            raise ValueError("an endpoint without a repository has no URL")
        host = f"{self.domain}-{self.owner}.d.codeartifact.{self.region}.amazonaws.com"
        return f"https://{host}/pypi/{self.repository}/"


def parse_url(url: str) -> Endpoint | None:
    """The endpoint a CodeArtifact URL points at, or None when the URL is not one.

    Accepts the standard, VPC-endpoint and dual-stack forms, in the aws and aws-cn partitions,
    with or without ``simple/`` and the trailing slash. Anything else (another host, another
    package format, a near miss of the naming rules) is not CodeArtifact: such a URL needs an
    explicit ``[tool.poetry-codeartifact.sources.NAME]`` table.
    """
    parts = split_url(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or parts.query or parts.fragment or port not in (None, 443):
        return None
    if parts.username is not None or parts.password is not None:
        return None
    host = (parts.hostname or "").lower()
    path = parts.path
    for pattern in (_STANDARD_HOST, _DUALSTACK_HOST):
        host_match = re.fullmatch(pattern, host)
        if host_match:
            path_match = re.fullmatch(_REPO_PATH, path)
            if not path_match:
                return None
            return Endpoint(
                domain=host_match["domain"],
                owner=host_match["owner"],
                region=host_match["region"],
                repository=path_match["repository"],
            )
    vpce_match = re.fullmatch(_VPCE_HOST, host)
    if vpce_match:
        path_match = re.fullmatch(_VPCE_PATH, path)
        if not path_match:
            return None
        return Endpoint(
            domain=path_match["domain"],
            owner=path_match["owner"],
            region=vpce_match["region"],
            repository=path_match["repository"],
        )
    return None


_DEFAULT_PORTS = {"https": 443, "http": 80}


def split_url(url: str) -> SplitResult:
    """``urlsplit`` of the stripped URL, never raising: a URL that cannot be split (an unclosed
    ``[`` of an IPv6 host) splits into nothing, which every caller treats as "not a URL"."""
    try:
        return urlsplit(url.strip())
    except ValueError:
        return urlsplit("")


class Origin(NamedTuple):
    """Where a request goes: scheme, lower-cased host and port (the default port filled in).
    A credential is attached by the origin of the URL it is about to be sent to, nothing else."""

    scheme: str
    host: str
    port: int


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) URL, a ``user:password@`` in it ignored; None for anything else
    (another scheme, no host, a port that is not a number from 1 to 65535)."""
    parts = split_url(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if port == 0:
        return None
    return Origin(scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme])


def domain_of(url: str) -> tuple[str, str, str] | None:
    """(domain, owner, region) of a URL on one of CodeArtifact's own https hosts, for any path
    on it (index pages and file downloads alike): the host names the domain (standard and
    dual-stack forms), or a VPC endpoint's path does (``/pypi/d/<domain>-<owner>/...``)."""
    origin = origin_of(url)
    if origin is None or origin.scheme != "https" or origin.port != _DEFAULT_PORTS["https"]:
        return None
    for pattern in (_STANDARD_HOST, _DUALSTACK_HOST):
        match = re.fullmatch(pattern, origin.host)
        if match:
            return match["domain"], match["owner"], match["region"]
    vpce = re.fullmatch(_VPCE_HOST, origin.host)
    if vpce:
        path = re.match(rf"/pypi/d/(?P<domain>{DOMAIN_PATTERN})-(?P<owner>{OWNER_PATTERN})/",
                        split_url(url).path)
        if path:
            return path["domain"], path["owner"], vpce["region"]
    return None


def without_credentials(url: str) -> str:
    """``url`` with a ``user:password@`` part removed (unchanged when it has none)."""
    parts = split_url(url)
    if "@" not in parts.netloc:
        return url.strip()
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def has_credentials(url: str) -> bool:
    return "@" in split_url(url).netloc


def host_key(url: str) -> str:
    """``host`` or ``host:port`` of a URL, lower-cased, the scheme's default port left out:
    the form in which the user trusts a host (``POETRY_CODEARTIFACT_TRUSTED_HOSTS``)."""
    parts = split_url(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: plain http to these never leaves the machine."""

    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redact(url: str) -> str:
    """``url`` fit to print: a ``user:password@`` in it is replaced by ``***@``."""
    parts = split_url(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def looks_like_codeartifact(url: str) -> bool:
    """True for a URL that names CodeArtifact's host but may not parse (for warnings)."""
    host = (split_url(url).hostname or "").lower()
    return ".codeartifact." in host and (host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".on.aws")))


def repository_from_path(url: str) -> str | None:
    """The repository name in a ``.../pypi/<repo>/`` path on any host (proxies, mappings)."""
    path = split_url(url).path
    match = re.search(rf"/pypi/(?:d/[^/]+/)?(?P<repository>{REPOSITORY_PATTERN})(?:/(?:simple/?)?)?$", path)
    return match["repository"] if match else None


def upload_url(url: str) -> str:
    """The URL ``poetry publish`` uploads to: the repository URL without ``simple/``."""
    base = url.strip().rstrip("/")
    if base.endswith("/simple"):
        base = base[: -len("/simple")]
    return base + "/"


def simple_url(url: str) -> str:
    """The PEP 503 index URL Poetry installs from: the repository URL with ``simple/``."""
    return upload_url(url) + "simple/"


def validate_url(url: str, field: str = "--url") -> str:
    if re.search(r"[\x00-\x20\x7f]", url.strip()):
        raise InvalidInput(
            field, url, "a URL has no spaces, line breaks or other control characters",
            "Copy the URL again, on one line.",
        )
    parts = split_url(url)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            field, redact(url.strip()), "a repository URL must not hold credentials (they would be written to "
            "pyproject.toml and sent instead of the token)",
            "Remove the user:password@ part: the plugin supplies the token.",
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(
            field, url, "a repository URL must be an absolute http(s) URL",
            "Use the URL from `aws codeartifact get-repository-endpoint --format pypi`.",
        )
    if parts.query or parts.fragment or url.strip().endswith(("?", "#")):
        raise InvalidInput(
            field, url, "a repository URL has no query (?...) or fragment (#...): the index path follows it",
            "Remove everything from the '?' or '#' on.",
        )
    return url.strip()


def validate_profile(value: object, field: str = "--profile") -> str:
    """An AWS profile name as ~/.aws/config can hold it: no whitespace or control characters."""
    if not isinstance(value, str) or not re.fullmatch(r"[^\x00-\x20\x7f]{1,128}", value):
        raise InvalidInput(field, value, "a profile is a name from ~/.aws/config, without spaces or control characters")
    return value


def _check(field: str, value: object, pattern: str, rule: str, fix: str | None = None) -> None:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise InvalidInput(field, value, rule, fix)


def validate_domain(value: object, field: str = "domain") -> str:
    _check(
        field, value, DOMAIN_PATTERN,
        "a CodeArtifact domain name has 2 to 50 characters: lowercase letters, digits and "
        "hyphens, starting with a letter and not ending with a hyphen",
    )
    return str(value)


def validate_owner(value: object, field: str = "domain-owner") -> str:
    _check(
        field, value, OWNER_PATTERN,
        "the domain owner is the 12-digit AWS account ID that owns the domain",
        "Write it as a string of exactly 12 digits, e.g. \"111122223333\".",
    )
    return str(value)


def validate_region(value: object, field: str = "region") -> str:
    _check(field, value, REGION_PATTERN, "an AWS region looks like eu-west-1 or us-gov-west-1")
    return str(value)


def validate_repository(value: object, field: str = "repository") -> str:
    _check(
        field, value, REPOSITORY_PATTERN,
        "a CodeArtifact repository name has 2 to 100 characters: letters, digits, '.', '_' and "
        "'-', starting with a letter or digit",
    )
    return str(value)


def validate_name(value: object, field: str = "source name") -> str:
    _check(
        field, value, NAME_PATTERN,
        "a source name has 1 to 63 characters: letters, digits, '_' and '-', starting with a "
        "letter or digit (Poetry uses it in config keys and environment variable names)",
    )
    if str(value).lower() == "pypi":
        raise InvalidInput(field, value, "'pypi' is reserved by Poetry for PyPI itself", "Choose another name.")
    return str(value)


def validate_duration(value: object, field: str = "duration") -> int:
    """0 (the token lives as long as the calling session) or 900..43200 seconds."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not (number == 0 or MIN_DURATION <= number <= MAX_DURATION):
        raise InvalidInput(
            field, value,
            f"a token duration is 0 (as long as the AWS session) or {MIN_DURATION} to "
            f"{MAX_DURATION} seconds",
        )
    return number


_ROLE_ARN = r"arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}"
_SESSION_NAME = r"[\w+=,.@-]{2,64}"
_EXTERNAL_ID = r"[\w+=,.@:/-]{2,1224}"


def validate_role_arn(value: object, field: str = "role-arn") -> str:
    if not isinstance(value, str) or not re.fullmatch(_ROLE_ARN, value):
        raise InvalidInput(
            field, value, "a role ARN looks like arn:aws:iam::<12-digit account>:role/<name>",
            "Copy it from the IAM console or `aws iam get-role --role-name NAME`.",
        )
    return value


def validate_session_name(value: object, field: str = "role-session-name") -> str:
    if not isinstance(value, str) or not re.fullmatch(_SESSION_NAME, value):
        raise InvalidInput(field, value, "a role session name is 2-64 characters of letters, digits and +=,.@_-")
    return value


def validate_external_id(value: object, field: str = "external-id") -> str:
    if not isinstance(value, str) or not re.fullmatch(_EXTERNAL_ID, value):
        raise InvalidInput(field, value, "an external ID is 2-1224 characters of letters, digits and +=,.@:/_-")
    return value
