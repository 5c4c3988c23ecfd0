"""The production path: CodeArtifact's real host names over https, trusted by their form (no
trust list), reached through a corporate-style CONNECT proxy (``HTTPS_PROXY``) that presents
certificates from a test CA and answers from the stand-in on 127.0.0.1 (tools/tls_proxy.py).
No endpoint override: boto3 talks to ``codeartifact.<region>.amazonaws.com`` and Poetry to
``<domain>-<owner>.d.codeartifact.<region>.amazonaws.com`` as they would on a user's machine.
No host name is ever resolved: the clients hand every https request to the proxy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import trustme

from tools.tls_proxy import TlsProxy, standin_route
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.support.user import User
    from tools.standin import StandIn

HOST = "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"
URL = f"https://{HOST}/pypi/private/"


def proxy_for(standin: StandIn) -> TlsProxy:
    """A CONNECT proxy (not started yet) that answers CodeArtifact's host names of every domain
    of ``standin`` from that domain's loopback port, and AWS's API hosts from its control plane."""

    def port(url: str) -> tuple[str, int]:
        return "127.0.0.1", int(url.rsplit(":", 1)[1])

    domains = {repo.domain: port(standin.domain_url(repo.domain)) for repo in standin.repos.values()}
    return TlsProxy(trustme.CA(), standin_route(port(standin.url), domains))


@pytest.fixture
def proxy(standin: StandIn) -> Iterator[TlsProxy]:
    with proxy_for(standin) as running:
        yield running


def production(user: User, proxy: TlsProxy, tmp_path: Path) -> dict[str, str]:
    """The user's environment as on a laptop behind a proxy: no endpoint override, no trusted
    hosts, the proxy's CA in the usual settings."""
    ca = str(proxy.write_ca(tmp_path / "corporate-ca.pem"))
    for name in ("AWS_ENDPOINT_URL_CODEARTIFACT", "AWS_ENDPOINT_URL_STS", "POETRY_CODEARTIFACT_TRUSTED_HOSTS"):
        user.env.pop(name)
    user.env.update({"HTTPS_PROXY": proxy.url, "https_proxy": proxy.url, "REQUESTS_CA_BUNDLE": ca,
                     "AWS_CA_BUNDLE": ca, "AWS_DEFAULT_REGION": "eu-west-1"})
    return user.env


def test_install_lock_publish_and_refresh_over_https_through_a_proxy(
    user: User, standin: StandIn, proxy: TlsProxy, tmp_path: Path
) -> None:
    production(user, proxy, tmp_path)
    lib = user.project("acme-lib", package=True)
    added = user.run("codeartifact", "add-source", "private", "--url", URL, cwd=lib)
    assert "Logged in to acme/private" in added.out
    published = user.run("publish", "--build", "-r", "private", cwd=lib)
    assert "Publishing acme-lib (0.1.0) to private" in published.out
    assert standin.state.uploads == ["private", "private"]

    app = user.project("app")
    user.run("codeartifact", "add-source", "private", "--url", URL, cwd=app)
    assert f'url = "{URL}simple/"' in (app / "pyproject.toml").read_text()
    user.run("add", "acme-utils@^0.1.0", "acme-lib", cwd=app)  # lock and install, index and files
    user.run(*user.lock_args, cwd=app)
    assert standin.token_calls() == 1  # one token for the domain, reused by every command

    make_wheel(standin.repos["private"].root, "acme-utils", "0.1.1")
    standin.revoke_all()  # a refresh within the command, over the same path
    updated = user.run("update", cwd=app)
    assert "acme-utils (0.1.0 -> 0.1.1)" in updated.out
    assert standin.token_calls() == 2

    assert set(proxy.connects) <= {f"{HOST}:443", "codeartifact.eu-west-1.amazonaws.com:443"}
    assert f"{HOST}:443" in proxy.connects
    assert proxy.refused == []  # nothing tried to go anywhere else
    # acme's tokens only ("unknown": the one revoked above, which the stand-in no longer knows)
    assert {domain for _, domain in standin.state.seen} <= {"acme", "unknown", "none"}


def test_an_untrusted_ca_fails_with_a_certificate_error_and_no_token_sent(
    user: User, standin: StandIn, proxy: TlsProxy, tmp_path: Path
) -> None:
    env = production(user, proxy, tmp_path)
    app = user.project("app")
    user.run("codeartifact", "add-source", "private", "--url", URL, cwd=app)
    user.add_dependency(app, "acme-utils")
    seen = len(standin.state.seen)
    env.pop("REQUESTS_CA_BUNDLE")  # Poetry no longer trusts the proxy's certificates
    result = user.lock(app, check=False)
    assert result.code != 0
    assert f"{HOST}:443" in proxy.connects  # Poetry did try, through the proxy
    assert len(standin.state.seen) == seen  # but the TLS handshake failed before any request was sent
    assert standin.token_calls() == 1  # add-source's login, through botocore, which trusts the CA
