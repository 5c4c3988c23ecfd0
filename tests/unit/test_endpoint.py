from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poetry_codeartifact.endpoint import (
    Endpoint,
    domain_of,
    host_key,
    is_loopback,
    looks_like_codeartifact,
    parse_url,
    redact,
    repository_from_path,
    simple_url,
    upload_url,
    validate_domain,
    validate_duration,
    validate_name,
    validate_owner,
    validate_region,
    validate_repository,
    validate_url,
)
from poetry_codeartifact.errors import InvalidInput

STANDARD = "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/"


@pytest.mark.parametrize(
    "url",
    [
        STANDARD,
        STANDARD + "simple/",
        STANDARD + "simple",
        STANDARD.rstrip("/"),
        STANDARD.upper().replace("HTTPS://", "https://").replace("/PYPI/MY-REPO/", "/pypi/my-repo/"),
    ],
)
def test_standard_forms(url: str) -> None:
    assert parse_url(url) == Endpoint("my-domain", "111122223333", "eu-west-1", "my-repo")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # domains with digits and hyphens: split at the hyphen before exactly 12 digits
        (
            "https://team-42-x-999988887777.d.codeartifact.us-east-1.amazonaws.com/pypi/r.e_p-o/simple/",
            Endpoint("team-42-x", "999988887777", "us-east-1", "r.e_p-o"),
        ),
        (
            "https://a1-123456789012-111122223333.d.codeartifact.ap-southeast-2.amazonaws.com/pypi/rr/",
            Endpoint("a1-123456789012", "111122223333", "ap-southeast-2", "rr"),
        ),
        # VPC endpoint without private DNS: the domain and owner are in the path
        (
            "https://vpce-0123456789abcdef-abcdefgh.d.codeartifact.eu-central-1.vpce.amazonaws.com"
            "/pypi/d/my-domain-111122223333/my-repo/simple/",
            Endpoint("my-domain", "111122223333", "eu-central-1", "my-repo"),
        ),
        (
            "https://vpce-0123456789abcdef-abcdefgh.d.codeartifact.eu-central-1.vpce.amazonaws.com"
            "/pypi/d/my-domain-111122223333/my-repo",
            Endpoint("my-domain", "111122223333", "eu-central-1", "my-repo"),
        ),
        # dual-stack
        (
            "https://my-domain-111122223333.codeartifact.eu-west-1.on.aws/pypi/my-repo/simple/",
            Endpoint("my-domain", "111122223333", "eu-west-1", "my-repo"),
        ),
        # China partition and GovCloud region names
        (
            "https://d1-111122223333.d.codeartifact.cn-north-1.amazonaws.com.cn/pypi/repo/",
            Endpoint("d1", "111122223333", "cn-north-1", "repo"),
        ),
        (
            "https://d1-111122223333.d.codeartifact.us-gov-west-1.amazonaws.com/pypi/repo/",
            Endpoint("d1", "111122223333", "us-gov-west-1", "repo"),
        ),
    ],
)
def test_other_forms(url: str, expected: Endpoint) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://pypi.org/simple/",
        "http://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/",  # not https
        "https://my-domain-11112222333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/",  # 11 digits
        "https://my-domain-1111222233334.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/",  # 13 digits
        "https://My-Domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com.evil.com/pypi/my-repo/",
        "https://my-domain-111122223333.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/",  # no .d.
        "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/npm/my-repo/",  # not pypi
        "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/",
        "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/simple/x/",
        "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com:8443/pypi/my-repo/",
        "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/r/",  # repo too short
        "https://-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/",
        "https://domain--111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/",  # ends with -
        "https://my-domain-111122223333.d.codeartifact.westeurope.amazonaws.com/pypi/my-repo/",
        "https://vpce-0123-abcd.d.codeartifact.eu-west-1.vpce.amazonaws.com/pypi/my-repo/",  # no d/ path
        "https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/?x=1",
        "not a url",
        "",
    ],
)
def test_near_misses_are_not_codeartifact(url: str) -> None:
    assert parse_url(url) is None


def test_looks_like_codeartifact_flags_unparseable_hosts() -> None:
    assert looks_like_codeartifact("https://x-1.d.codeartifact.eu-west-1.amazonaws.com/pypi/r/")
    assert not looks_like_codeartifact("https://pypi.org/simple/")


def test_url_helpers() -> None:
    assert upload_url(STANDARD + "simple/") == STANDARD
    assert upload_url(STANDARD.rstrip("/")) == STANDARD
    assert upload_url("https://h.example/pypi/REPOX/") == "https://h.example/pypi/REPOX/"  # only slashes go
    assert simple_url(STANDARD) == STANDARD + "simple/"
    assert simple_url(STANDARD + "simple") == STANDARD + "simple/"
    assert repository_from_path("http://127.0.0.1:9/pypi/private/simple/") == "private"
    assert repository_from_path("http://proxy.local/artifacts/") is None


def test_standard_url_round_trips() -> None:
    endpoint = Endpoint("my-domain", "111122223333", "eu-west-1", "my-repo")
    assert endpoint.standard_url() == STANDARD
    assert parse_url(endpoint.standard_url()) == endpoint


@pytest.mark.parametrize("value", ["ab", "a" * 50, "a-1", "my-domain-2"])
def test_valid_domains(value: str) -> None:
    assert validate_domain(value) == value


@pytest.mark.parametrize("value", ["a", "a" * 51, "1abc", "Abc", "abc-", "ab_c", "", None, 12])
def test_invalid_domains_name_field_and_rule(value: object) -> None:
    with pytest.raises(InvalidInput, match=r"Invalid --domain .*2 to 50 characters"):
        validate_domain(value, "--domain")


@pytest.mark.parametrize("value", ["11112222333", "1111222233334", "11112222333a", "", 111122223333])
def test_invalid_owner(value: object) -> None:
    with pytest.raises(InvalidInput, match="12-digit AWS account ID"):
        validate_owner(value)


@pytest.mark.parametrize("value", ["eu-west-1", "us-gov-west-1", "ap-southeast-5", "cn-northwest-1", "il-central-1"])
def test_valid_regions(value: str) -> None:
    assert validate_region(value) == value


@pytest.mark.parametrize("value", ["eu-west", "EU-WEST-1", "euwest1", "eu-west-1a", ""])
def test_invalid_regions(value: str) -> None:
    with pytest.raises(InvalidInput, match="eu-west-1"):
        validate_region(value)


@pytest.mark.parametrize("value", ["r", "-repo", "re po", "r" * 101, "repo/x"])
def test_invalid_repositories(value: str) -> None:
    with pytest.raises(InvalidInput, match="repository name"):
        validate_repository(value)


@pytest.mark.parametrize("value", [0, 900, 43200, "3600", " 900 "])
def test_valid_durations(value: object) -> None:
    assert validate_duration(value) in (0, 900, 43200, 3600)


@pytest.mark.parametrize("value", [1, 899, 43201, -1, "12h", "", True, 1.5])
def test_invalid_durations(value: object) -> None:
    with pytest.raises(InvalidInput, match="900 to 43200"):
        validate_duration(value)


@pytest.mark.parametrize("value", ["a.b", "has space", "", "-x", "x" * 64])
def test_invalid_names(value: str) -> None:
    with pytest.raises(InvalidInput, match="source name"):
        validate_name(value)


def test_pypi_is_reserved() -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        validate_name("PyPI")


def test_endpoint_validates_its_fields() -> None:
    with pytest.raises(InvalidInput, match="domain-owner"):
        Endpoint("my-domain", "123", "eu-west-1")


def test_the_default_port_is_the_same_resource() -> None:
    url = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com:443/pypi/private/simple/"
    assert parse_url(url) == Endpoint("acme", "111122223333", "eu-west-1", "private")


@pytest.mark.parametrize("userinfo", ["user:secret@", "aws@", ":secret@"])
def test_a_url_with_credentials_is_not_codeartifact(userinfo: str) -> None:
    url = f"https://{userinfo}acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/simple/"
    assert parse_url(url) is None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://Packages.example.com/simple/", "packages.example.com"),
        ("https://packages.example.com:443/simple/", "packages.example.com"),
        ("http://127.0.0.1:8080/pypi/x/", "127.0.0.1:8080"),
        ("http://[::1]:8080/pypi/x/", "[::1]:8080"),
    ],
)
def test_host_key(url: str, key: str) -> None:
    assert host_key(url) == key


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True),
                                                ("[::1]", True), ("localhost", True), ("10.0.0.1", False),
                                                ("example.com", False)])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_zonal_vpc_endpoint_names() -> None:
    url = ("https://vpce-0123456789abcdef-abcdefgh-eu-central-1a.d.codeartifact.eu-central-1.vpce.amazonaws.com"
           "/pypi/d/acme-111122223333/private/simple/")
    assert parse_url(url) == Endpoint("acme", "111122223333", "eu-central-1", "private")


def test_redact_hides_credentials_only() -> None:
    assert redact("https://me:hunter2@host.example/simple/") == "https://***@host.example/simple/"
    assert redact("https://host.example/simple/") == "https://host.example/simple/"


# -- round trip: every documented URL form parses back to the endpoint it was made from ---------

_DOMAINS = st.from_regex(r"[a-z][a-z0-9\-]{0,48}[a-z0-9]", fullmatch=True)
_OWNERS = st.from_regex(r"[0-9]{12}", fullmatch=True)
_REGIONS = st.sampled_from(["eu-west-1", "us-east-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1", "il-central-1"])
_REPOSITORIES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-]{1,99}", fullmatch=True)


def _forms(e: Endpoint, vpce: str) -> list[str]:
    """Every URL form the README documents for ``e``, with and without simple/ and the slash."""
    bases = [
        f"https://{e.domain}-{e.owner}.d.codeartifact.{e.region}.amazonaws.com/pypi/{e.repository}",
        f"https://{e.domain}-{e.owner}.d.codeartifact.{e.region}.amazonaws.com.cn/pypi/{e.repository}",
        f"https://{e.domain}-{e.owner}.codeartifact.{e.region}.on.aws/pypi/{e.repository}",
        f"https://vpce-{vpce}.d.codeartifact.{e.region}.vpce.amazonaws.com/pypi/d/{e.domain}-{e.owner}/"
        f"{e.repository}",
    ]
    return [base + tail for base in bases for tail in ("", "/", "/simple", "/simple/")]


@settings(max_examples=300, deadline=None)
@given(domain=_DOMAINS, owner=_OWNERS, region=_REGIONS, repository=_REPOSITORIES,
       vpce=st.from_regex(r"[a-z0-9]{8,17}-[a-z0-9]{8}", fullmatch=True), upper=st.booleans())
def test_every_documented_form_parses_back_to_its_endpoint(
    domain: str, owner: str, region: str, repository: str, vpce: str, upper: bool
) -> None:
    endpoint = Endpoint(domain, owner, region, repository)
    for url in _forms(endpoint, vpce):
        if upper:  # host names are case-insensitive; paths are not
            scheme, _, rest = url.partition("://")
            host, _, path = rest.partition("/")
            url = f"{scheme}://{host.upper()}/{path}"
        assert parse_url(url) == endpoint, url
        assert domain_of(url) == (domain, owner, region), url
        assert parse_url(endpoint.standard_url()) == endpoint


# -- behaviours the mutation run found unpinned -----------------------------------------------


def test_a_url_with_a_user_name_alone_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"Remove the user:password@ part"):
        validate_url("https://aws@acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/")


@pytest.mark.parametrize("port", ["abc", "99999"])
def test_a_url_whose_port_is_not_a_port_is_refused(port: str) -> None:
    url = f"https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com:{port}/pypi/private/"
    with pytest.raises(InvalidInput, match=r"a repository URL must be an absolute http\(s\) URL"):
        validate_url(url)
    assert host_key(url) == "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"  # no port to trust


def test_an_empty_query_or_fragment_is_refused() -> None:
    for end in ("?", "#"):
        with pytest.raises(InvalidInput, match=r"has no query \(\?\.\.\.\) or fragment"):
            validate_url(f"https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/{end}")


def test_host_key_and_loopback_of_odd_hosts() -> None:
    assert host_key("https:///pypi/private/") == ""
    assert not is_loopback("Xlocalhost")
    assert is_loopback("[::1]")


def test_a_domain_alone_describes_itself_without_a_repository() -> None:
    assert Endpoint("acme", "111122223333", "eu-west-1").describe() == "acme"
    assert Endpoint("acme", "111122223333", "eu-west-1", "private").describe() == "acme/private"
