"""A local AWS CodeArtifact stand-in on 127.0.0.1, for the tests and the demo.

Control plane (what boto3 reaches through ``AWS_ENDPOINT_URL_CODEARTIFACT``):
``GetAuthorizationToken``, ``GetRepositoryEndpoint`` and ``DescribeRepository`` (upstreams and
external connections configurable per repository), STS ``AssumeRole`` for role tests and
``GetCallerIdentity`` (an identity derived from the signing access key), a configurable token
lifetime, expiry of every token on demand, per-domain call counts and fault injection with real
AWS error shapes (per service, optionally per operation), a slow answer or a dropped connection.

Data plane: a real pypiserver per repository, mounted under ``/pypi/<repo>/`` behind a front
server per domain (each domain on its own loopback port, as CodeArtifact gives each its own
host; the control plane's port serves every domain too, for the demo). It is as strict as
CodeArtifact: it lets through only user name ``aws`` with a token it issued for the repository's
domain that has not expired, answers no credential with 401 and a token it does not accept with
401, 403 or 404 (``reject_with``), and a request for a CodeArtifact host name of another domain
with 404. A repository can be told to refuse every request (``refuse``), as one whose policy
denies the caller does, or to redirect elsewhere (``redirect``).

Used in-process by the tests (``StandIn``) and as a process by the demo
(``python -m tools.standin serve --workdir DIR`` from the repository root), which controls it
over ``/_standin/``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from base64 import b64decode
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tools import importable

TOKEN_PREFIX = "STANDIN-SECRET-"
DEFAULT_REPOS = (
    ("acme", "111122223333", "eu-west-1", "private"),
    ("acme", "111122223333", "eu-west-1", "internal"),
    ("tools", "444455556666", "us-east-1", "shared"),
)
# What DescribeRepository says, per (domain, repository): (upstream repositories, external
# connections). 'pypi-store' exists in the control plane only: it holds nothing, it only
# connects 'private' to PyPI, the layout AWS recommends. 'internal' has nothing behind it.
DEFAULT_DESCRIPTIONS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("acme", "private"): (("pypi-store",), ()),
    ("acme", "internal"): ((), ()),
    ("acme", "pypi-store"): ((), ("public:pypi",)),
    ("tools", "shared"): ((), ("public:pypi",)),
}
DEFAULT_ACCOUNT = "111122223333"
ROLE_ACCESS_KEY = "ASIASTANDINROLE"


@dataclass
class Repo:
    domain: str
    owner: str
    region: str
    name: str
    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None


@dataclass
class Fault:
    kind: str  # an AWS error code, "slow", "drop", or "answer" (200 with ``body``, as sent)
    remaining: int
    status: int = 400
    delay: float = 0.0
    service: str = "codeartifact"  # or "sts" (AssumeRole, GetCallerIdentity)
    operation: str | None = None  # e.g. "DescribeRepository"; None: the next call of the service
    body: str = ""  # what an "answer" fault sends


AWS_ERRORS = {
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ThrottlingException": 429,
    "InternalServerException": 500,
    "ExpiredTokenException": 403,
    "UnrecognizedClientException": 403,
    "ValidationException": 400,
    "AccessDenied": 403,  # STS
}


@dataclass
class State:
    lifetime: float = 12 * 3600
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (domain, expiry)
    ever_issued: list[str] = field(default_factory=list)  # every token issued since the reset
    durations: list[int | None] = field(default_factory=list)  # durationSeconds of each token call
    token_calls: dict[str, int] = field(default_factory=dict)
    token_callers: list[str] = field(default_factory=list)  # access key id of each token call
    endpoint_calls: int = 0
    assume_role_calls: int = 0
    caller_identity_calls: int = 0
    describe_calls: int = 0
    assumed: dict[str, tuple[str, str]] = field(default_factory=dict)  # access key -> (role ARN, session name)
    refused: dict[str, int] = field(default_factory=dict)  # repository -> HTTP status its data plane answers
    faults: list[Fault] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    unauthorized: int = 0
    seen: list[tuple[str, str]] = field(default_factory=list)  # (repository, domain of the token it got)
    reject_status: int = 401  # what the data plane answers a token it does not accept
    redirects: dict[str, str] = field(default_factory=dict)  # repository -> base URL it redirects to
    clock_offset: float = 0.0  # seconds the service's clock is ahead of this machine's (Date headers too)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StandIn:
    def __init__(self, workdir: Path, repos: tuple[tuple[str, str, str, str], ...] = DEFAULT_REPOS) -> None:
        self.workdir = Path(workdir)
        self.repos = {
            name: Repo(domain, owner, region, name, self.workdir / "packages" / name)
            for domain, owner, region, name in repos
        }
        self.state = State()
        self.descriptions = dict(DEFAULT_DESCRIPTIONS)
        self.generation = 0  # bumped by reset(): a slow answer from before a reset is never given
        self._wake = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._domain_servers: dict[str, ThreadingHTTPServer] = {}  # domain -> its own data plane
        # GetRepositoryEndpoint answers with CodeArtifact's real https host names (for clients
        # that reach the stand-in through tools/tls_proxy.py) instead of the loopback URLs.
        self.real_host_names = False
        self._backends = threading.Lock()  # a repository's pypiserver starts at its first request

    # -- life cycle ------------------------------------------------------------------------

    def start(self, port: int = 0) -> StandIn:
        for repo in self.repos.values():
            repo.root.mkdir(parents=True, exist_ok=True)
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        for domain in sorted({repo.domain for repo in self.repos.values()}):
            own = type("DomainHandler", (_Handler,), {"standin": self, "domain": domain})
            server = ThreadingHTTPServer(("127.0.0.1", 0), own)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._domain_servers[domain] = server
        return self

    def stop(self) -> None:
        for server in self._domain_servers.values():
            server.shutdown()
            server.server_close()
        self._domain_servers.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for repo in self.repos.values():
            if repo.process is not None:
                repo.process.terminate()
                try:
                    repo.process.wait(10)
                except subprocess.TimeoutExpired:
                    repo.process.kill()
                repo.process = None

    def backend_port(self, repo: Repo) -> int:
        """The port of ``repo``'s pypiserver, started on first use: most tests never read an
        index, and a test process (or each mutant of a mutation run) starts a stand-in."""
        with self._backends:
            if repo.process is None:
                repo.process, repo.port = _start_backend(repo)
            return repo.port

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def domain_url(self, domain: str) -> str:
        """The data plane of one domain, on its own loopback port as CodeArtifact gives each
        domain its own host (the control plane's port serves every domain, for the demo)."""
        server = self._domain_servers.get(domain)
        if server is None:
            return self.url
        return f"http://127.0.0.1:{server.server_address[1]}"

    def repo_url(self, name: str) -> str:
        return f"{self.domain_url(self.repos[name].domain)}/pypi/{name}/"

    def real_repo_url(self, name: str) -> str:
        """The URL CodeArtifact itself gives repository ``name``."""
        repo = self.repos[name]
        return f"https://{repo.domain}-{repo.owner}.d.codeartifact.{repo.region}.amazonaws.com/pypi/{name}/"

    def hosts(self) -> list[str]:
        """``127.0.0.1:PORT`` of the control plane and of every domain's data plane: what a user
        trusts to receive tokens (``POETRY_CODEARTIFACT_TRUSTED_HOSTS``)."""
        urls = [self.url, *(self.domain_url(domain) for domain in self._domain_servers)]
        return [urlsplit(url).netloc for url in urls]

    # -- control ---------------------------------------------------------------------------

    def reset(self) -> None:
        self.generation += 1
        self._wake.set()  # slow answers still pending belong to an earlier test: drop them
        self._wake = threading.Event()
        with self.state.lock:
            lifetime = 12 * 3600
            self.state.lifetime = lifetime
            self.state.tokens.clear()
            self.state.ever_issued.clear()
            self.state.durations.clear()
            self.state.token_calls.clear()
            self.state.token_callers.clear()
            self.state.endpoint_calls = 0
            self.state.assume_role_calls = 0
            self.state.caller_identity_calls = 0
            self.state.describe_calls = 0
            self.state.assumed.clear()
            self.state.refused.clear()
            self.state.faults.clear()
            self.state.uploads.clear()
            self.state.unauthorized = 0
            self.state.seen.clear()
            self.state.clock_offset = 0.0
            self.state.reject_status = 401
            self.state.redirects.clear()
            self.descriptions = dict(DEFAULT_DESCRIPTIONS)

    def set_upstreams(
        self, repository: str, upstreams: tuple[str, ...] = (), external: tuple[str, ...] = (), domain: str = "acme"
    ) -> None:
        """What DescribeRepository answers for ``domain/repository`` (a new name creates a
        control-plane-only repository, as an upstream that holds nothing itself)."""
        self.descriptions[(domain, repository)] = (tuple(upstreams), tuple(external))

    def refuse(self, repository: str, status: int = 403) -> None:
        """From now on the repository answers every request with ``status``, valid token or not."""
        with self.state.lock:
            self.state.refused[repository] = status

    def reject_with(self, status: int) -> None:
        """From now on a token the data plane does not accept gets ``status`` (401, 403 or 404)."""
        with self.state.lock:
            self.state.reject_status = status

    def redirect(self, repository: str, base_url: str) -> None:
        """From now on the repository answers an accepted request with a redirect to ``base_url``
        plus the request's path (a repository or proxy that sends clients elsewhere)."""
        with self.state.lock:
            self.state.redirects[repository] = base_url

    def set_lifetime(self, seconds: float) -> None:
        self.state.lifetime = seconds

    def expire_all(self) -> None:
        with self.state.lock:
            self.state.tokens = {t: (d, 0.0) for t, (d, _) in self.state.tokens.items()}

    def revoke_all(self) -> None:
        """Server-side revocation: every token issued so far is refused from now on, although
        the plugin still believes it valid (a rotated key, a changed domain policy)."""
        with self.state.lock:
            self.state.tokens.clear()

    def token_calls(self, domain: str | None = None) -> int:
        calls = self.state.token_calls
        return calls.get(domain, 0) if domain else sum(calls.values())

    def inject(
        self, kind: str, count: int = 1, delay: float = 0.0, service: str = "codeartifact",
        operation: str | None = None, body: str = "",
    ) -> None:
        with self.state.lock:
            self.state.faults.append(Fault(kind, count, AWS_ERRORS.get(kind, 400), delay, service, operation, body))

    def issued_tokens(self) -> list[str]:
        return list(self.state.tokens)

    def all_issued(self) -> list[str]:
        """Every token issued since the last reset, revoked and expired ones too (leak checks)."""
        with self.state.lock:
            return list(self.state.ever_issued)

    def snapshot(self) -> dict[str, Any]:
        return {
            "token_calls": dict(self.state.token_calls),
            "token_callers": list(self.state.token_callers),
            "endpoint_calls": self.state.endpoint_calls,
            "assume_role_calls": self.state.assume_role_calls,
            "caller_identity_calls": self.state.caller_identity_calls,
            "describe_calls": self.state.describe_calls,
            "uploads": list(self.state.uploads),
            "unauthorized": self.state.unauthorized,
            "seen": list(self.state.seen),
            "lifetime": self.state.lifetime,
        }

    # -- behaviour -------------------------------------------------------------------------

    def take_fault(self, service: str = "codeartifact", operation: str | None = None) -> Fault | None:
        with self.state.lock:
            for fault in self.state.faults:
                if fault.remaining > 0 and fault.service == service and fault.operation in (None, operation):
                    fault.remaining -= 1
                    return fault
        return None

    def issue_token(self, domain: str, duration: int | None) -> tuple[str, float]:
        # Tokens are long and recognisable so that tests can search every output for them.
        token = TOKEN_PREFIX + domain + "-" + secrets.token_urlsafe(900)
        lifetime = self.state.lifetime
        if duration and duration < lifetime and duration >= 900:
            lifetime = duration
        expires = self.now() + lifetime
        with self.state.lock:
            self.state.tokens[token] = (domain, expires)
            self.state.ever_issued.append(token)
            self.state.durations.append(duration)
            self.state.token_calls[domain] = self.state.token_calls.get(domain, 0) + 1
        return token, expires

    def token_valid_for(self, token: str, domain: str) -> bool:
        entry = self.state.tokens.get(token)
        return entry is not None and entry[0] == domain and self.now() < entry[1]

    def now(self) -> float:
        """The service's clock: this machine's, unless a test puts it ahead or behind."""
        return time.time() + self.state.clock_offset


def _start_backend(repo: Repo) -> tuple[subprocess.Popen[bytes], int]:
    command = [sys.executable, "-m", "tools.standin", "backend", "--root", str(repo.root), "--prefix",
               f"/pypi/{repo.name}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=importable(os.environ))
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError(f"pypiserver backend for {repo.name} did not start: {line!r}")
    return process, int(line)


class PlainIndex:
    """A package index without authentication on 127.0.0.1, serving the files of ``root``: what
    PyPI is to a fresh Poetry (``poetry self add``, ``pip install``), with no network."""

    def __init__(self, root: Path, name: str = "pypi") -> None:
        self.repo = Repo("", "", "", name, Path(root))

    def __enter__(self) -> PlainIndex:
        self.repo.process, self.repo.port = _start_backend(self.repo)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.repo.process is not None:
            self.repo.process.terminate()
            self.repo.process.wait(10)
            self.repo.process = None

    @property
    def url(self) -> str:
        """The simple index URL, for ``[[tool.poetry.source]]`` and ``pip --index-url``."""
        return f"http://127.0.0.1:{self.repo.port}/pypi/{self.repo.name}/simple/"


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    domain: str | None = None  # a domain's own data-plane server serves that domain's repositories only
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:  # the service's clock
        return super().date_time_string(self.standin.now() if timestamp is None else timestamp)

    # -- plumbing --------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _aws_error(self, code: str, message: str, status: int | None = None) -> None:
        self._json(status or AWS_ERRORS.get(code, 400), {"message": message}, {"x-amzn-ErrorType": code})

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_HEAD(self) -> None:
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        if parts.path.startswith("/pypi/"):
            self._data_plane(parts.path, body)
        elif self.domain is not None:
            self._send(404, b"a domain's data plane serves /pypi/ only")
        elif parts.path.startswith("/_standin/"):
            self._admin(parts.path, body)
        elif parts.path.startswith("/v1/"):
            self._control_plane(parts.path, parse_qs(parts.query))
        elif self.command == "POST" and b"Action=AssumeRole" in body:
            self._assume_role(parse_qs(body.decode()))
        elif self.command == "POST" and b"Action=GetCallerIdentity" in body:
            self._caller_identity()
        else:
            self._send(404, b"not found")

    # -- control plane ---------------------------------------------------------------------

    def _access_key(self) -> str | None:
        match = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
        return match.group(1) if match else None

    def _signed_region(self) -> str | None:
        match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", self.headers.get("Authorization", ""))
        return match.group(1) if match else None

    def _control_plane(self, path: str, query: dict[str, list[str]]) -> None:
        standin = self.standin
        operation = _OPERATIONS.get((self.command, path))
        fault = standin.take_fault("codeartifact", operation)
        if fault is not None:
            if fault.kind == "slow":
                generation, wake = standin.generation, standin._wake
                wake.wait(fault.delay or 5)
                if standin.generation != generation:
                    self.close_connection = True
                    return
            elif fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            elif fault.kind == "answer":  # a 200 whose body is not what the API promises
                self._send(200, fault.body.encode(), {"Content-Type": "application/json"})
                return
            else:
                self._aws_error(fault.kind, f"Injected {fault.kind}", fault.status)
                return
        region = self._signed_region()
        if region is None:
            self._aws_error("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
            return
        domain = query.get("domain", [""])[0]
        owner = query.get("domain-owner", [None])[0]
        matches = [
            r for r in standin.repos.values()
            if r.domain == domain and r.region == region and (owner is None or r.owner == owner)
        ]
        if not matches:
            self._aws_error("ResourceNotFoundException", f"Domain {domain} not found in {region} for {owner}")
            return
        if path == "/v1/authorization-token" and self.command == "POST":
            duration_text = query.get("duration", [None])[0]
            duration = int(duration_text) if duration_text else None
            if duration not in (None, 0) and not 900 <= duration <= 43200:
                self._aws_error("ValidationException", "duration must be 0 or 900..43200")
                return
            token, expires = standin.issue_token(domain, duration)
            standin.state.token_callers.append(self._access_key() or "")
            self._json(200, {"authorizationToken": token, "expiration": expires})
        elif path == "/v1/repository/endpoint" and self.command == "GET":
            standin.state.endpoint_calls += 1
            name = query.get("repository", [""])[0]
            repo = next((r for r in matches if r.name == name), None)
            if repo is None:
                self._aws_error("ResourceNotFoundException", f"Repository {name} not found")
                return
            url = standin.real_repo_url(repo.name) if standin.real_host_names else standin.repo_url(repo.name)
            self._json(200, {"repositoryEndpoint": url})
        elif operation == "DescribeRepository":
            standin.state.describe_calls += 1
            name = query.get("repository", [""])[0]
            repo = matches[0]
            described = standin.descriptions.get((repo.domain, name))
            if described is None:
                self._aws_error("ResourceNotFoundException", f"Repository {name} not found in domain {domain}")
                return
            upstreams, external = described
            self._json(200, {"repository": {
                "name": name,
                "administratorAccount": repo.owner,
                "domainName": repo.domain,
                "domainOwner": repo.owner,
                "arn": f"arn:aws:codeartifact:{repo.region}:{repo.owner}:repository/{repo.domain}/{name}",
                "description": f"stand-in repository {name}",
                "upstreams": [{"repositoryName": upstream} for upstream in upstreams],
                "externalConnections": [
                    {"externalConnectionName": connection, "packageFormat": connection.rpartition(":")[2],
                     "status": "AVAILABLE"}
                    for connection in external
                ],
                "createdTime": 1764000000.0,
            }})
        else:
            self._aws_error("ValidationException", f"unsupported {self.command} {path}")

    def _sts_fault(self, operation: str) -> bool:
        """Answer with an injected STS fault, if one is due; True when it was."""
        fault = self.standin.take_fault("sts", operation)
        if fault is None:
            return False
        error = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                 f"<Code>{fault.kind}</Code><Message>Injected {fault.kind}</Message></Error>"
                 "<RequestId>1</RequestId></ErrorResponse>")
        self._send(fault.status, error.encode(), {"Content-Type": "text/xml"})
        return True

    def _caller_identity(self) -> None:
        """Who signed the request: the assumed role for a role's key, else an IAM user named
        after the access key id, in account 111122223333."""
        self.standin.state.caller_identity_calls += 1
        if self._sts_fault("GetCallerIdentity"):
            return
        key = self._access_key() or ""
        role = self.standin.state.assumed.get(key)
        if role is not None:
            role_arn, session = role
            account, role_name = role_arn.split(":")[4], role_arn.rpartition("/")[2]
            arn, user_id = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}", f"AROASTANDIN:{session}"
        else:
            account = DEFAULT_ACCOUNT
            arn, user_id = f"arn:aws:iam::{account}:user/{key.lower() or 'anonymous'}", f"AIDA{key.upper()[4:]}"
        body = f"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>{arn}</Arn><UserId>{user_id}</UserId><Account>{account}</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""
        self._send(200, body.encode(), {"Content-Type": "text/xml"})

    def _assume_role(self, form: dict[str, list[str]]) -> None:
        self.standin.state.assume_role_calls += 1
        if self._sts_fault("AssumeRole"):
            return
        arn = form.get("RoleArn", [""])[0]
        session = form.get("RoleSessionName", [""])[0]
        self.standin.state.assumed[ROLE_ACCESS_KEY] = (arn, session)
        expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        body = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><Credentials><AccessKeyId>{ROLE_ACCESS_KEY}</AccessKeyId>
<SecretAccessKey>standin-role-secret</SecretAccessKey><SessionToken>standin-session</SessionToken>
<Expiration>{expiry}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROA:standin</AssumedRoleId><Arn>{arn}</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>"""
        self._send(200, body.encode(), {"Content-Type": "text/xml"})

    # -- data plane ------------------------------------------------------------------------

    def _data_plane(self, path: str, body: bytes) -> None:
        standin = self.standin
        name = path.split("/")[2]
        repo = standin.repos.get(name)
        if repo is None or (self.domain is not None and repo.domain != self.domain):
            self._send(404, b"no such repository")
            return
        host = (self.headers.get("Host") or "").partition(":")[0].lower()
        named = re.fullmatch(r"(.+)-(\d{12})\.d\.codeartifact\.[a-z0-9-]+\.amazonaws\.com", host)
        if named is not None and (named[1], named[2]) != (repo.domain, repo.owner):
            self._send(404, b"no such repository on this domain's host")  # CodeArtifact: one host per domain
            return
        user, password = _basic_credentials(self.headers.get("Authorization", ""))
        issued = standin.state.tokens.get(password or "")
        standin.state.seen.append((name, issued[0] if issued else "unknown" if password else "none"))
        refused = standin.state.refused.get(name)
        if refused is not None:
            standin.state.unauthorized += 1
            self._send(refused, b"Forbidden" if refused == 403 else b"Refused")
            return
        if password is None:
            standin.state.unauthorized += 1
            self._send(401, b"Unauthorized", {"WWW-Authenticate": 'Basic realm="codeartifact"'})
            return
        if user != "aws" or not standin.token_valid_for(password, repo.domain):
            # CodeArtifact wants user name aws; a token it no longer accepts gets 401, 403 or even
            # 404 (astral-sh/uv#11899), as the test chooses with reject_with().
            standin.state.unauthorized += 1
            status = standin.state.reject_status
            headers = {"WWW-Authenticate": 'Basic realm="codeartifact"'} if status == 401 else {}
            self._send(status, {401: b"Unauthorized", 403: b"Forbidden"}.get(status, b"Not Found"), headers)
            return
        redirect = standin.state.redirects.get(name)
        if redirect is not None:
            self._send(302, b"", {"Location": redirect.rstrip("/") + self.path})
            return
        if self.command == "POST":
            standin.state.uploads.append(name)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
        connection = http.client.HTTPConnection("127.0.0.1", standin.backend_port(repo), timeout=60)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            passed = {
                k: v for k, v in response.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")
            }
            self._send(response.status, payload, passed)
        finally:
            connection.close()

    # -- admin (for the demo, which runs the stand-in as a process) -------------------------

    def _admin(self, path: str, body: bytes) -> None:
        standin = self.standin
        data = json.loads(body or b"{}")
        action = path.rsplit("/", 1)[-1]
        if action == "state":
            self._json(200, standin.snapshot())
            return
        if action == "lifetime":
            standin.set_lifetime(float(data["seconds"]))
        elif action == "expire":
            standin.expire_all()
        elif action == "revoke":
            standin.revoke_all()
        elif action == "fault":
            standin.inject(
                data["kind"], int(data.get("count", 1)), float(data.get("delay", 0)),
                data.get("service", "codeartifact"), data.get("operation"),
            )
        elif action == "upstreams":
            standin.set_upstreams(data["repository"], tuple(data.get("upstreams", ())),
                                  tuple(data.get("external", ())), data.get("domain", "acme"))
        elif action == "refuse":
            standin.refuse(data["repository"], int(data.get("status", 403)))
        elif action == "reset":
            standin.reset()
        else:
            self._send(404, b"unknown action")
            return
        self._json(200, {"ok": True})


_OPERATIONS = {
    ("POST", "/v1/authorization-token"): "GetAuthorizationToken",
    ("GET", "/v1/repository/endpoint"): "GetRepositoryEndpoint",
    ("GET", "/v1/repository"): "DescribeRepository",
}


@dataclass
class Recorded:
    """One request as a server other than CodeArtifact saw it: everything a credential could
    travel in."""

    method: str
    path: str  # with the query string
    headers: list[tuple[str, str]]
    body: bytes

    def text(self) -> str:
        head = "\n".join(f"{name}: {value}" for name, value in self.headers)
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode('utf-8', errors='replace')}"

    def authorization(self) -> tuple[str | None, str | None]:
        header = next((value for name, value in self.headers if name.lower() == "authorization"), "")
        return _basic_credentials(header)


class OwnServer:
    """Another package server on 127.0.0.1 that is not CodeArtifact: a user's own repository,
    or a host that only a project file vouches for. It records every request whole (method,
    path and query, every header, the body), serves the files it is given, answers other GETs
    with ``status`` (404 unless told otherwise) and uploads with 200."""

    def __init__(self, status: int = 404) -> None:
        self.records: list[Recorded] = []
        self.files: dict[str, bytes] = {}  # path -> content, served with 200
        self.status = status
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.records.append(Recorded(self.command, self.path, list(self.headers.items()), body))
                content = owner.files.get(urlsplit(self.path).path)
                status = 200 if self.command == "POST" or content is not None else owner.status
                self.send_response(status)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="own"')
                self.send_header("Content-Length", str(len(content or b"")))
                self.end_headers()
                if content and self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        """(method, path, Basic password) of every request."""
        return [(r.method, r.path, r.authorization()[1]) for r in self.records]

    def passwords(self) -> list[str | None]:
        return [password for _, _, password in self.requests]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    """(user, password) of a Basic Authorization header; (None, None) for anything else."""
    if not header.startswith("Basic "):
        return None, None
    try:
        user, _, password = b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None, None
    return user or None, password or None


# -- processes -------------------------------------------------------------------------------


def _serve_backend(root: str, prefix: str) -> None:
    """One pypiserver (which keeps its configuration in module globals: one per process)."""
    # Only this backend process needs pypiserver, which only the test virtualenv has: the demo and
    # the benchmark import this module under a bare python3 for TOKEN_PREFIX and the repositories.
    import pypiserver  # noqa: PLC0415 - see above

    logging.disable(logging.CRITICAL)
    app = pypiserver.app(roots=[root], authenticate=[], password_file=".", disable_fallback=True)

    def mounted(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(prefix):
            environ["SCRIPT_NAME"] = prefix
            environ["PATH_INFO"] = path[len(prefix):] or "/"
        return app(environ, start_response)

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", 0, mounted, server_class=Server, handler_class=Quiet)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    backend = sub.add_parser("backend")
    backend.add_argument("--root", required=True)
    backend.add_argument("--prefix", required=True)
    serve = sub.add_parser("serve", help="run the stand-in until stdin closes or SIGTERM")
    serve.add_argument("--workdir", required=True)
    serve.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.mode == "backend":
        _serve_backend(args.root, args.prefix)
        return 0
    standin = StandIn(Path(args.workdir)).start(args.port)
    print(standin.url, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    sys.exit(main())
