"""The checks behind ``poetry codeartifact doctor``: for each CodeArtifact source, what AWS and
the repository say about it, now.

Per source, in this order: the identity boto3 resolves (STS ``GetCallerIdentity``, with the same
profile, role and session the token fetch uses), whether CodeArtifact issues a token, whether the
repository answers an index request with it, what is behind the repository (upstreams followed a
few levels, and whether ``public:pypi`` is among their external connections), and whether the
project's sources leave room for dependency confusion. Each check ends ``ok``, ``warning``,
``failed`` or ``skipped``, with a message and, unless it is ok, the fix.

The token fetched here is used for one request and dropped: it is never stored, handed to Poetry
or put into a message. AWS calls and the index request share one client per domain and identity,
and sources of one domain and identity share their identity and token checks. boto3 and
requests are imported only when a check runs. Nothing here knows about cleo.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import urlsplit

import requests

from poetry_codeartifact.credentials import USERNAME, env_prefix, from_environment
from poetry_codeartifact.endpoint import host_key, redact, simple_url
from poetry_codeartifact.errors import TokenError
from poetry_codeartifact.paths import SETTINGS_NAME
from poetry_codeartifact.settings import TRUSTED_HOSTS_ENV, pipeline_token
from poetry_codeartifact.tokens import TokenFetcher, aws_logging_muted, explain

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from poetry_codeartifact.settings import Source, TokenKey
    from poetry_codeartifact.tokens import ClientFactory

Result = Literal["ok", "warning", "failed", "skipped"]
OK: Result = "ok"
WARNING: Result = "warning"
FAILED: Result = "failed"
SKIPPED: Result = "skipped"
_RANK: dict[Result, int] = {OK: 0, SKIPPED: 0, WARNING: 1, FAILED: 2}

IDENTITY = "identity"
TOKEN = "token"
REPOSITORY = "repository"
UPSTREAMS = "upstreams"
CONFUSION = "dependency-confusion"

PROBE_DURATION = 900  # the shortest token CodeArtifact issues: this one is used once, then dropped
MAX_UPSTREAM_DEPTH = 5  # CodeArtifact allows chains; a handful of levels is all a setup uses
MAX_DESCRIBED = 12
PROBE_TIMEOUT = (10.0, 30.0)  # connect, read (seconds)
PYPI_CONNECTION = "public:pypi"
DESCRIBE_PERMISSION = "codeartifact:DescribeRepository on the repository (doctor needs it for this check only)"

Verify = bool | str


class Check(NamedTuple):
    """One finding: which check, how it ended, what was seen, and what to do about it."""

    name: str
    status: Result
    message: str
    fix: str | None = None


class SourceReport(NamedTuple):
    source: Source
    checks: list[Check]

    @property
    def status(self) -> Result:
        return worst(check.status for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        s, e = self.source, self.source.endpoint
        return {
            "name": s.name, "kind": s.kind, "priority": s.priority, "url": redact(s.url), "domain": e.domain,
            "owner": e.owner, "region": e.region, "repository": e.repository, "credentials": s.key.identity(),
            "status": self.status, "checks": [check._asdict() for check in self.checks],
        }


class Probe(NamedTuple):
    """What the repository answered: an HTTP status, or why there was no answer."""

    status: int | None
    problem: str | None = None


Prober = Callable[[str, "tuple[str, str]", Verify, "str | None"], Probe]
"""``prober(url, (username, password), verify, client_cert)`` -> the repository's answer."""


def worst(statuses: Iterable[Result]) -> Result:
    return max(statuses, key=lambda status: _RANK[status], default=OK)


def split_explained(error: BaseException) -> tuple[str, str | None]:
    """An explained AWS error ("cause. Fix.") as its cause and its fix."""
    text = str(error)
    match = re.match(r"^(.*?[^.\s])\. (?=[A-Z`])(.*)$", text, re.DOTALL)
    return (match.group(1), match.group(2)) if match else (text, None)


def http_probe(url: str, auth: tuple[str, str], verify: Verify = True, cert: str | None = None) -> Probe:
    """GET ``url`` as Poetry would: requests, with the proxy, NO_PROXY and CA bundle settings of
    the environment. The body is not read (a repository's index can be large)."""

    try:
        with aws_logging_muted():  # urllib3's debug records at -vvv
            response = requests.get(
                url, auth=auth, timeout=PROBE_TIMEOUT, stream=True, verify=verify, cert=cert,
                headers={"User-Agent": "poetry-codeartifact doctor"},
            )
            response.close()
    except requests.exceptions.ProxyError:
        return Probe(None, "the proxy could not be reached (check HTTPS_PROXY / NO_PROXY)")
    except requests.exceptions.SSLError:
        return Probe(None, "the TLS handshake failed (check the certificate bundle: REQUESTS_CA_BUNDLE, or "
                           "certificates.<name>.cert in Poetry's config)")
    except requests.exceptions.Timeout:
        return Probe(None, f"no answer within {PROBE_TIMEOUT[1]:.0f} seconds")
    except requests.exceptions.ConnectionError:
        return Probe(None, "the connection was refused or the host was not found")
    except requests.exceptions.RequestException as error:
        return Probe(None, f"the request failed ({type(error).__name__})")
    return Probe(response.status_code)


def is_pypi(name: str, url: str | None) -> bool:
    host = (urlsplit(url or "").hostname or "").lower()
    return name.lower() == "pypi" or host in ("pypi.org", "pypi.python.org")


def index_setup(pyproject: Mapping[str, Any] | None) -> list[tuple[str, str | None, str]]:
    """(name, url, priority) of every ``[[tool.poetry.source]]``, PyPI without a URL included."""
    entries = (pyproject or {}).get("tool", {}).get("poetry", {}).get("source", [])
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            url = entry.get("url") if isinstance(entry.get("url"), str) else None
            priority = entry.get("priority") or ("default" if entry.get("default") else
                                                 "secondary" if entry.get("secondary") else "primary")
            found.append((entry["name"], url, str(priority)))
    return found


_PRIMARY = ("primary", "default")
# Failures that mean there are no credentials to call AWS with, whichever service is asked.
_CREDENTIAL_ERRORS = {
    "NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError", "ProfileNotFound",
    "SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError", "SSOError",
}
_REJECTED_CREDENTIALS = {"InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
                         "UnrecognizedClientException", "RequestExpired"}


def _credentials_unusable(error: BaseException) -> bool:
    kinds = {cls.__name__ for cls in type(error).__mro__}
    code = str((getattr(error, "response", None) or {}).get("Error", {}).get("Code", ""))
    return bool(kinds & _CREDENTIAL_ERRORS) or code in _REJECTED_CREDENTIALS


class Doctor:
    """Runs every check for a list of sources; one instance serves one command."""

    def __init__(
        self,
        client_factory: ClientFactory | None = None,
        prober: Prober = http_probe,
        pyproject: Mapping[str, Any] | None = None,
        certificates: Mapping[str, tuple[Verify, str | None]] | None = None,
    ) -> None:
        self._notes: list[str] = []
        self.fetcher = TokenFetcher(client_factory, self._notes.append)
        self._prober = prober
        self._setup = index_setup(pyproject)
        self._certificates = certificates or {}
        self._identities: dict[TokenKey, tuple[Check, bool]] = {}
        self._tokens: dict[TokenKey, tuple[Check, str | None]] = {}
        self._descriptions: dict[tuple[TokenKey, str], dict[str, Any] | TokenError] = {}
        self._told: set[str] = set()

    def examine(self, sources: list[Source], codeartifact: set[str] | None = None) -> list[SourceReport]:
        """Every check of every source. ``codeartifact``: the names of all the project's CodeArtifact
        sources (not only those examined), which the dependency-confusion check does not count as
        foreign indexes."""
        codeartifact = (codeartifact or set()) | {source.name for source in sources if source.kind == "source"}
        examined = [self._examine(source) for source in sources]
        pypi_paths = {source.name: path for source, _, path in examined}
        reports = []
        for source, checks, path in examined:
            if source.kind == "source":
                checks.append(self._confusion(source, codeartifact, path, pypi_paths))
            reports.append(SourceReport(source, checks))
        return reports

    # -- one source ------------------------------------------------------------------------

    def _examine(self, source: Source) -> tuple[Source, list[Check], list[str] | None]:
        key = source.key
        supplied = self._supplied(source)
        identity, usable = self._identity(key, aws_needed=supplied is None)
        checks = [identity]
        if supplied is not None:
            checks.append(Check(TOKEN, OK, supplied[0]))
            credential: tuple[str, str] | None = supplied[1]
        elif not usable:
            checks.append(Check(TOKEN, SKIPPED, "not checked: no usable AWS credentials (see identity)"))
            credential = None
        else:
            token_check, token = self._token(key)
            checks.append(token_check)
            credential = (USERNAME, token) if token is not None else None
        checks.append(self._repository(source, credential, supplied is not None))
        upstreams, pypi_path = self._upstreams(source, usable, aws_needed=supplied is None)
        checks.append(upstreams)
        return source, checks, pypi_path

    def _supplied(self, source: Source) -> tuple[str, tuple[str, str]] | None:
        """Credentials Poetry gets without the plugin fetching a token, and what to say about them."""

        if from_environment(source.name):
            prefix = env_prefix(source.name)
            username = os.environ.get(prefix + "_USERNAME") or USERNAME
            return (f"{prefix}_PASSWORD supplies the credential (the plugin fetches none for '{source.name}'); "
                    "the repository check uses it", (username, os.environ.get(prefix + "_PASSWORD", "")))
        provided = pipeline_token(source.endpoint)
        if provided is not None and source.trusted:
            token, variable = provided
            return (f"{variable} supplies the token (no AWS call); the repository check uses it",
                    (USERNAME, token))
        return None

    def _drain_notes(self) -> list[str]:
        notes = [note for note in dict.fromkeys(self._notes) if note not in self._told]
        self._told.update(notes)
        self._notes.clear()
        return notes

    def _identity(self, key: TokenKey, *, aws_needed: bool) -> tuple[Check, bool]:
        """Who AWS says the credentials belong to; False when there are no usable credentials."""
        if key not in self._identities:
            self._identities[key] = self._ask_identity(key, aws_needed)
        return self._identities[key]

    def _ask_identity(self, key: TokenKey, aws_needed: bool) -> tuple[Check, bool]:
        try:
            sts = self.fetcher.client(key.region, key.profile, role=key.role, service="sts")
        except TokenError as error:
            return Check(IDENTITY, FAILED if aws_needed else WARNING, *split_explained(error)), False
        try:
            with aws_logging_muted():
                answer = sts.get_caller_identity()
        except Exception as error:
            explained = explain(error, key=key, profile=key.profile, client=sts, service="STS",
                                permissions="sts:GetCallerIdentity")
            if _credentials_unusable(error):
                return Check(IDENTITY, FAILED if aws_needed else WARNING, *split_explained(explained)), False
            # Poetry never needs STS itself, and it may be out of reach (a VPC without its endpoint) while
            # CodeArtifact is not: the token check says whether the credentials work.
            return Check(IDENTITY, WARNING, *split_explained(explained)), True
        arn, account = str(answer.get("Arn", "?")), str(answer.get("Account", "?"))
        message = f"{arn} (account {account}), credentials from {key.identity()}"
        if account != key.owner:
            message += (f"; the domain belongs to account {key.owner}, so its domain policy must allow this "
                        "account (cross-account access)")
        notes = self._drain_notes()
        if notes:
            return Check(IDENTITY, WARNING, message + "; " + "; ".join(notes),
                         "Create the profile on this machine or fix its name, or set a personal profile in "
                         f"{SETTINGS_NAME}."), True
        return Check(IDENTITY, OK, message), True

    def _token(self, key: TokenKey) -> tuple[Check, str | None]:
        if key not in self._tokens:
            result = self.fetcher.fetch_many({key: PROBE_DURATION})[key]
            self._drain_notes()
            if isinstance(result, TokenError):
                self._tokens[key] = (Check(TOKEN, FAILED, *split_explained(result)), None)
            else:
                self._tokens[key] = (Check(
                    TOKEN, OK, f"CodeArtifact issued a token for {key.describe()} (a 15-minute one, used by this "
                               "check only and never stored)"), result.value)
                self.fetcher.forget(key)
        return self._tokens[key]

    def _repository(self, source: Source, credential: tuple[str, str] | None, supplied: bool) -> Check:
        if not source.trusted:
            host = host_key(source.url)
            return Check(REPOSITORY, FAILED, source.untrusted_message(),
                         f"If {host} is yours, trust it outside the project: {TRUSTED_HOSTS_ENV}={host}, or "
                         f"trusted-hosts in {SETTINGS_NAME}. Otherwise use the repository's CodeArtifact URL.")
        if credential is None:
            return Check(REPOSITORY, SKIPPED, "not checked: no token (see token)")
        url = simple_url(source.url)
        shown = redact(url)
        verify, cert = self._certificates.get(source.name, (True, None))
        answer = self._prober(url, credential, verify, cert)
        if answer.status is None:
            return Check(REPOSITORY, FAILED, f"{shown} could not be reached: {answer.problem}",
                         "Check the network, the proxy settings (HTTPS_PROXY, NO_PROXY) and the URL.")
        status = answer.status
        if 200 <= status < 300:
            return Check(REPOSITORY, OK, f"{shown} answered HTTP {status} to the token")
        if status in (401, 403):
            if supplied:
                return Check(REPOSITORY, FAILED, f"{shown} answered HTTP {status} to the supplied token",
                             "It has expired or belongs to another domain: fetch a new one (`aws codeartifact "
                             "get-authorization-token`), or unset the variable and let the plugin fetch tokens.")
            return Check(
                REPOSITORY, FAILED,
                f"{shown} answered HTTP {status} to a token CodeArtifact has just issued for "
                f"{source.key.describe()}",
                f"{source.key.identity()} may get tokens but not read this repository: it needs "
                "codeartifact:ReadFromRepository on it, and the repository's policy must allow it.",
            )
        if status == 404:
            e = source.endpoint
            return Check(REPOSITORY, FAILED, f"{shown} answered HTTP 404: there is no repository at this URL",
                         "Check the repository name in the URL; `poetry codeartifact add-source NAME --domain "
                         f"{e.domain} --repository <name>` looks the right URL up.")
        if status >= 500:
            return Check(REPOSITORY, FAILED, f"{shown} answered HTTP {status} (a server error)",
                         "Try again later; see https://health.aws.amazon.com for outages.")
        return Check(REPOSITORY, FAILED, f"{shown} answered HTTP {status}",
                     "Check the URL: Poetry installs from <repository URL>/simple/.")

    # -- what is behind the repository -----------------------------------------------------

    def _describe(self, key: TokenKey, repository: str) -> dict[str, Any] | TokenError:
        if (key, repository) not in self._descriptions:
            self._descriptions[(key, repository)] = self._ask_description(key, repository)
            self._drain_notes()
        return self._descriptions[(key, repository)]

    def _ask_description(self, key: TokenKey, repository: str) -> dict[str, Any] | TokenError:
        try:
            client = self.fetcher.client(key.region, key.profile, role=key.role)
        except TokenError as error:
            return error
        try:
            with aws_logging_muted():
                answer = client.describe_repository(domain=key.domain, domainOwner=key.owner, repository=repository)
        except Exception as error:
            explained = explain(error, key=key, profile=key.profile, repository=repository,
                                permissions=DESCRIBE_PERMISSION, client=client)
            explained.__cause__ = error
            return explained
        return dict(answer.get("repository") or {})

    def _upstreams(self, source: Source, usable: bool, *, aws_needed: bool) -> tuple[Check, list[str] | None]:
        """The check, and the way from the repository to PyPI (None when unknown, [] when none)."""
        key, repository = source.key, source.endpoint.repository
        if repository is None:
            return Check(UPSTREAMS, SKIPPED, "not checked: the URL names no repository (…/pypi/<repository>/…)"), None
        if not usable:
            return Check(UPSTREAMS, SKIPPED, "not checked: no usable AWS credentials (see identity)"), None
        paths = {repository: [repository]}
        queue = [repository]
        problems: list[str] = []
        while queue and len(paths) <= MAX_DESCRIBED:
            name = queue.pop(0)
            described = self._describe(key, name)
            if isinstance(described, TokenError):
                code = str((getattr(described.__cause__, "response", None) or {}).get("Error", {}).get("Code", ""))
                if name != repository:
                    problems.append(f"upstream '{name}' could not be read ({split_explained(described)[0]})")
                    continue
                cause, fix = split_explained(described)
                bad = FAILED if code == "ResourceNotFoundException" and aws_needed else WARNING
                return Check(UPSTREAMS, bad, cause, fix), None
            connections = [
                str(c.get("externalConnectionName")) for c in described.get("externalConnections") or []
                if str(c.get("status", "AVAILABLE")).upper() == "AVAILABLE"
            ]
            if PYPI_CONNECTION in connections:
                path = [*paths[name], PYPI_CONNECTION]
                return Check(UPSTREAMS, OK, f"PyPI is behind it ({' -> '.join(path)}): a package the repository "
                                            "does not hold is fetched from PyPI through CodeArtifact"), path
            for upstream in described.get("upstreams") or []:
                upstream_name = str(upstream.get("repositoryName"))
                if upstream_name not in paths and len(paths[name]) < MAX_UPSTREAM_DEPTH:
                    paths[upstream_name] = [*paths[name], upstream_name]
                    queue.append(upstream_name)
        behind = [name for name in paths if name != repository]
        chain = f"upstreams: {', '.join(behind)}" if behind else "no upstream repository"
        if problems:
            return Check(UPSTREAMS, WARNING, f"PyPI was not found behind it ({chain}), but " + "; ".join(problems),
                         f"Grant {DESCRIBE_PERMISSION} on those repositories too."), None
        return Check(UPSTREAMS, OK, f"no PyPI behind it ({chain}, no public:pypi external connection): only "
                                    "packages stored in these repositories can be installed from it"), []

    # -- dependency confusion --------------------------------------------------------------

    def _confusion(
        self, source: Source, codeartifact: set[str], pypi_path: list[str] | None,
        pypi_paths: Mapping[str, list[str] | None],
    ) -> Check:
        name, e = source.name, source.endpoint
        mine = source.priority or "primary"
        primaries = [n for n, _, p in self._setup if p in _PRIMARY]
        pypi_entry = next(((n, p) for n, u, p in self._setup if is_pypi(n, u)), None)
        rivals: list[tuple[str, str]] = []  # (label, priority) of every other index Poetry consults
        if pypi_entry is not None:
            rivals.append(("PyPI", pypi_entry[1]))
        elif not primaries:
            rivals.append(("PyPI (added by Poetry because no source is primary)", "primary"))
        rivals += [(f"'{n}'", p) for n, u, p in self._setup
                   if n not in codeartifact and not is_pypi(n, u) and p not in ("explicit",)]
        # Another CodeArtifact source that proxies PyPI is a way in for PyPI too: origin controls
        # act per repository, so those of this one do not guard that one.
        rivals += [(f"'{n}' (PyPI is behind it: {' -> '.join(pypi_paths[n] or [])})", p) for n, _, p in self._setup
                   if n in codeartifact and n != name and pypi_paths.get(n) and p not in ("explicit",)]
        pin = f'pin each private package with source = "{name}"'
        if mine == "explicit":
            return Check(CONFUSION, OK, f"'{name}' is explicit: only dependencies declared with "
                                        f"source = \"{name}\" come from it; keep every private package pinned so")
        risky = [label for label, priority in rivals if priority in _PRIMARY]
        if risky:
            pypi_rival = any(label.startswith("PyPI") for label in risky)
            proxies = [label.split(" ", 1)[0] for label in risky if "PyPI is behind it" in label]
            how = ("Poetry merges the versions of every primary index and takes the highest"
                   if mine in _PRIMARY else "Poetry looks at the primary indexes first and at a supplemental one "
                                            "only for names they lack")
            message = (f"'{name}' is {mine} and {', '.join(risky)} {'is' if len(risky) == 1 else 'are'} primary "
                       f"too. {how}, so a package published there under the name of one of your private "
                       "packages could be installed instead of yours (dependency confusion)")
            if pypi_rival and pypi_path:
                fix = (f"CodeArtifact already brings PyPI ({' -> '.join(pypi_path)}): make '{name}' the only "
                       "primary source (remove the PyPI source or mark it explicit); or " + pin + ".")
            elif pypi_rival:
                fix = (f"Make '{name}' the only primary source and connect PyPI behind it (`aws codeartifact "
                       f"associate-external-connection --domain {e.domain} --domain-owner {e.owner} --repository "
                       f"<upstream> --external-connection public:pypi`, best in an upstream repository); or "
                       f"mark '{name}' explicit and " + pin + ".")
            elif proxies:
                fix = (f"Let one CodeArtifact repository bring PyPI and block upstream versions of your private "
                       f"packages there (package origin controls), and mark {', '.join(proxies)} explicit or "
                       f"supplemental; or mark '{name}' explicit and " + pin + ".")
            else:
                fix = (f"Make '{name}' the only primary source (mark the others supplemental or explicit), or mark "
                       f"'{name}' explicit and " + pin + ".")
            return Check(CONFUSION, WARNING, message, fix)
        supplemental = [label for label, priority in rivals if priority not in _PRIMARY]
        also = (f"; {', '.join(supplemental)} {'is' if len(supplemental) == 1 else 'are'} supplemental, used only "
                "for names no primary source has") if supplemental else ""
        if pypi_path:
            return Check(CONFUSION, OK, (
                f"'{name}' is the primary index and PyPI is behind it{also}. CodeArtifact decides where a name "
                "that exists in both comes from, by each package's origin controls: block upstream versions of "
                "your private packages (`aws codeartifact put-package-origin-configuration --domain "
                f"{e.domain} --domain-owner {e.owner} --repository {e.repository} --format pypi --package "
                "<name> --restrictions publish=ALLOW,upstream=BLOCK`)"))
        if pypi_path is None:
            return Check(CONFUSION, OK, f"no other index is primary next to '{name}'{also}; whether PyPI is behind "
                                        "the repository is unknown (see upstreams)")
        return Check(CONFUSION, OK, f"no other index is primary next to '{name}' and no PyPI is behind it{also}")
