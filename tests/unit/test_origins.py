"""Which request URL may carry which domain's token: by origin, never by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_codeartifact.endpoint import (
    Endpoint,
    Origin,
    domain_of,
    has_credentials,
    origin_of,
    without_credentials,
)
from poetry_codeartifact.errors import InvalidInput
from poetry_codeartifact.origins import Routes
from poetry_codeartifact.settings import Source, UserSettings, read_options, read_user_settings, resolve

ACME_HOST = "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"
TOOLS_HOST = "tools-444455556666.d.codeartifact.us-east-1.amazonaws.com"
VPCE_HOST = "vpce-0123456789abcdef-abcdefgh.d.codeartifact.eu-central-1.vpce.amazonaws.com"
if TYPE_CHECKING:
    from pathlib import Path

MAPPING = {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Example.COM/x", Origin("https", "example.com", 443)),
        ("https://example.com:443/x", Origin("https", "example.com", 443)),
        ("http://example.com/x", Origin("http", "example.com", 80)),
        ("http://aws:secret@127.0.0.1:8080/pypi/", Origin("http", "127.0.0.1", 8080)),
        ("HTTPS://[::1]:9/", Origin("https", "::1", 9)),
        ("ftp://example.com/", None),
        ("https:///nohost", None),
        ("https://example.com:99999/", None),
        ("https://example.com:abc/", None),
        ("https://example.com:0/", None),
        ("not a url", None),
    ],
)
def test_origin_of(url: str, origin: Origin | None) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        (f"https://{ACME_HOST}/pypi/private/simple/acme-utils/", ("acme", "111122223333", "eu-west-1")),
        (f"https://{ACME_HOST}/pypi/private/simple/acme-utils/0.1.0/acme_utils-0.1.0-py3-none-any.whl#sha256=ab",
         ("acme", "111122223333", "eu-west-1")),
        (f"https://{ACME_HOST}:443/anything", ("acme", "111122223333", "eu-west-1")),
        (f"https://aws:old@{ACME_HOST}/pypi/private/simple/", ("acme", "111122223333", "eu-west-1")),
        ("https://acme-111122223333.codeartifact.eu-west-1.on.aws/pypi/r/simple/x/",
         ("acme", "111122223333", "eu-west-1")),
        (f"https://{VPCE_HOST}/pypi/d/my-domain-111122223333/repo/simple/x/",
         ("my-domain", "111122223333", "eu-central-1")),
        # not one of CodeArtifact's own https origins
        (f"http://{ACME_HOST}/pypi/private/simple/", None),
        (f"https://{ACME_HOST}:8443/pypi/private/simple/", None),
        (f"https://{ACME_HOST}.evil.example.com/pypi/private/simple/", None),
        ("https://acme-111122223333.codeartifact.eu-west-1.on.aws.evil.example/pypi/r/", None),
        ("https://acme-11112222333.d.codeartifact.eu-west-1.amazonaws.com/pypi/r/", None),  # 11 digits
        (f"https://{VPCE_HOST}/pypi/private/simple/", None),  # a VPC endpoint names the domain in the path
        ("https://127.0.0.1/pypi/private/simple/", None),
    ],
)
def test_domain_of(url: str, domain: tuple[str, str, str] | None) -> None:
    assert domain_of(url) == domain


def test_credentials_in_a_url() -> None:
    assert has_credentials(f"https://aws:x@{ACME_HOST}/pypi/r/")
    assert has_credentials(f"https://aws@{ACME_HOST}/pypi/r/")
    assert not has_credentials(f"https://{ACME_HOST}/pypi/r/?a=b@c")
    assert without_credentials(f" https://aws:x@y@{ACME_HOST}:443/pypi/r/ ") == f"https://{ACME_HOST}:443/pypi/r/"
    assert without_credentials("https://h/p") == "https://h/p"


def source(name: str, url: str, mapping: dict[str, str] | None = None, trusted: frozenset[str] = frozenset()) -> Source:
    options = read_options({"tool": {"poetry-codeartifact": {"sources": {name: mapping}}}}) if mapping else {}
    found = resolve(name, url, options.get(name), user=UserSettings(trusted_hosts=trusted))
    assert found is not None
    return found


def test_a_codeartifact_origin_gets_its_domains_token_for_any_path() -> None:
    private = source("private", f"https://{ACME_HOST}/pypi/private/simple/")
    routes = Routes([private])
    assert routes.source_for(f"https://{ACME_HOST}/pypi/private/simple/acme-utils/") == private
    assert routes.source_for(f"https://{ACME_HOST}/pypi/other-repo/simple/x/") == private  # same domain
    assert routes.source_for(f"https://{TOOLS_HOST}/pypi/private/simple/x/") is None  # another domain's host
    assert routes.source_for(f"http://{ACME_HOST}/pypi/private/simple/") is None  # clear text
    assert routes.source_for("https://127.0.0.1/pypi/private/simple/") is None


def test_names_do_not_matter_only_origins() -> None:
    """Two projects' names, or a poetry.toml that re-points a name: the URL alone decides."""
    private = source("private", f"https://{ACME_HOST}/pypi/private/simple/")
    routes = Routes([private])
    assert routes.source_for("http://other-host/simple/acme-utils/") is None
    assert routes.source_for("http://other-host/files/helper-1.0-py3-none-any.whl") is None


def test_a_user_trusted_origin_gets_the_mapped_domain_only_on_that_origin() -> None:
    trusted = frozenset({"127.0.0.1:8080"})
    mirror = source("mirror", "http://127.0.0.1:8080/pypi/private/simple/", MAPPING, trusted)
    routes = Routes([mirror])
    assert routes.source_for("http://127.0.0.1:8080/pypi/private/simple/acme-utils/") == mirror
    assert routes.source_for("http://aws:old@127.0.0.1:8080/files/x.whl") == mirror
    assert routes.source_for("http://127.0.0.1:8081/pypi/private/simple/") is None  # another port
    assert routes.source_for("https://127.0.0.1:8080/pypi/private/simple/") is None  # another scheme
    assert routes.source_for("http://localhost:8080/pypi/private/simple/") is None  # another host name
    assert routes.source_for(f"https://{ACME_HOST}/pypi/private/simple/") is None  # no source of it there


def test_an_untrusted_mapped_host_gets_nothing() -> None:
    evil = source("private", "https://evil.example.com/pypi/private/simple/", MAPPING)
    assert evil.vouched is None
    routes = Routes([evil])
    assert not routes
    assert routes.source_for("https://evil.example.com/pypi/private/simple/x/") is None


def test_several_sources_on_one_trusted_origin_pick_the_best_path() -> None:
    trusted = frozenset({"proxy.example.com"})
    tools = {"domain": "tools", "domain-owner": "444455556666", "region": "us-east-1"}
    first = source("a", "https://proxy.example.com/pypi/private/simple/", MAPPING, trusted)
    second = source("b", "https://proxy.example.com/pypi/shared/simple/", tools, trusted)
    routes = Routes([first, second])
    assert routes.source_for("https://proxy.example.com/pypi/shared/simple/tools-lib/") == second
    assert routes.source_for("https://proxy.example.com/pypi/private/simple/acme-utils/") == first
    assert routes.source_for("https://proxy.example.com/files/x.whl") == first  # among equals, the first


def test_a_url_with_credentials_is_recognised_and_stripped() -> None:
    found = source("private", f"https://aws:stale@{ACME_HOST}/pypi/private/simple/")
    assert found.credential_in_url
    assert found.url == f"https://{ACME_HOST}/pypi/private/simple/"
    assert found.endpoint == Endpoint("acme", "111122223333", "eu-west-1", "private")
    assert "Remove the user:password@ part" in found.credential_in_url_message()
    assert "stale" not in found.credential_in_url_message()


def test_plain_http_to_a_trusted_codeartifact_host_says_why() -> None:
    found = source("private", f"http://{ACME_HOST}/pypi/private/simple/", MAPPING, frozenset({ACME_HOST}))
    assert found.vouched is None
    message = found.untrusted_message()
    assert "plain http" in message
    assert "Use https://" in message
    assert "TRUSTED_HOSTS" not in message


@pytest.mark.parametrize("entry", ["127.0.0.1:99999", "127.0.0.1:abc", "host:0", "host:", ":8080", "[::1]:70000"])
def test_a_trusted_host_with_a_bad_port_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, entry: str
) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", entry)
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path)
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS" in str(raised.value)


@pytest.mark.parametrize(
    ("entry", "key"),
    [("127.0.0.1:1", "127.0.0.1:1"), ("Host.Example:65535", "host.example:65535"), ("[::1]:8080", "[::1]:8080"),
     ("h:443", "h")],
)
def test_good_trusted_hosts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, entry: str, key: str) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", entry)
    assert read_user_settings(tmp_path).trusted_hosts == frozenset({key})


@pytest.mark.parametrize("url", ["http://[::1/simple/", "https://[fe80::1%25/x", " http://[ /"])
def test_a_url_python_cannot_split_is_no_origin_and_no_crash(url: str) -> None:
    """urlsplit raises ValueError on an unclosed IPv6 bracket: such a URL (a typo in a project
    file, a link on an index page) is simply not CodeArtifact's and gets nothing."""
    assert origin_of(url) is None
    assert domain_of(url) is None
    assert Routes([source("private", f"https://{ACME_HOST}/pypi/private/simple/")]).source_for(url) is None
    assert resolve("odd", url, None) is None


def test_a_trusted_host_python_cannot_split_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", "[::1")
    with pytest.raises(InvalidInput, match="each entry names a host"):
        read_user_settings(tmp_path)
