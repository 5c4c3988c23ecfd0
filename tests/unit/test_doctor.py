"""doctor's checks with botocore's Stubber and a fake repository: upstream chains, the
dependency-confusion findings, what the repository request carries and when it is not made."""

from __future__ import annotations

from typing import Any

import pytest

from poetry_codeartifact.doctor import Doctor, Probe, split_explained
from poetry_codeartifact.settings import SourceOptions, UserSettings, resolve
from tests.support.aws import Factory, token_response

URL = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/{}/simple/"
IDENTITY = {"Arn": "arn:aws:iam::111122223333:user/dev", "Account": "111122223333", "UserId": "AIDADEV"}
DOMAIN = {"domain": "acme", "domainOwner": "111122223333"}


class Repository:
    """A fake repository: records what each request carried and answers ``status``."""

    def __init__(self, status: int | None = 200) -> None:
        self.status = status
        self.requests: list[tuple[str, tuple[str, str]]] = []

    def __call__(self, url: str, auth: tuple[str, str], _verify: object, _cert: object) -> Probe:
        self.requests.append((url, auth))
        return Probe(self.status, None if self.status else "the connection was refused")


def described(name: str, upstreams: tuple[str, ...] = (), external: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"repository": {
        "name": name, "domainName": "acme", "domainOwner": "111122223333",
        "upstreams": [{"repositoryName": u} for u in upstreams],
        "externalConnections": [{"externalConnectionName": e, "packageFormat": "pypi", "status": "AVAILABLE"}
                                for e in external],
    }}


def healthy(factory: Factory, *chain: dict[str, Any]) -> None:
    factory.stub_sts().add_response("get_caller_identity", IDENTITY)
    factory.stub().add_response("get_authorization_token", token_response("SECRET-T", 9e9),
                                {**DOMAIN, "durationSeconds": 900})
    for answer in chain:
        expected = {**DOMAIN, "repository": answer["repository"]["name"]}
        factory.stub().add_response("describe_repository", answer, expected)


def pyproject(*sources: tuple[str, str | None, str]) -> dict[str, Any]:
    entries = [{"name": n, "priority": p, **({"url": u} if u else {})} for n, u, p in sources]
    return {"tool": {"poetry": {"source": entries}}}


def source(name: str = "private", priority: str = "primary", url: str | None = None) -> Any:
    found = resolve(name, url or URL.format(name), None, "source", priority, UserSettings())
    assert found is not None
    return found


def by_name(report: Any) -> dict[str, Any]:
    return {check.name: check for check in report.checks}


def test_healthy_chain_to_pypi_and_the_request_to_the_repository() -> None:
    factory = Factory()
    healthy(factory, described("private", ("store",)), described("store", ("pypi-store",)),
            described("pypi-store", (), ("public:pypi",)))
    repository = Repository()
    (report,) = Doctor(factory, repository, pyproject(("private", URL.format("private"), "primary"))).examine(
        [source()])
    checks = by_name(report)
    assert report.status == "ok", report
    assert checks["identity"].message.startswith("arn:aws:iam::111122223333:user/dev (account 111122223333)")
    assert "private -> store -> pypi-store -> public:pypi" in checks["upstreams"].message
    assert repository.requests == [(URL.format("private"), ("aws", "SECRET-T"))]
    assert all("SECRET-T" not in f"{c.message} {c.fix}" for c in report.checks)
    factory.assert_done()


def test_upstream_cycles_end_and_nothing_behind_is_said() -> None:
    factory = Factory()
    healthy(factory, described("private", ("mirror",)), described("mirror", ("private",)))
    (report,) = Doctor(factory, Repository()).examine([source()])
    upstreams = by_name(report)["upstreams"]
    assert upstreams.status == "ok"
    assert "no PyPI behind it (upstreams: mirror," in upstreams.message
    factory.assert_done()


def test_untrusted_host_gets_no_request() -> None:
    factory = Factory()
    factory.stub_sts().add_response("get_caller_identity", IDENTITY)
    factory.stub().add_response("get_authorization_token", token_response("SECRET-T", 9e9))
    factory.stub().add_response("describe_repository", described("private"))
    mapped = resolve("private", "https://proxy.example.com/pypi/private/simple/", _mapping(), "source", "primary",
                     UserSettings())
    assert mapped is not None
    assert not mapped.trusted
    repository = Repository()
    (report,) = Doctor(factory, repository).examine([mapped])
    checks = by_name(report)
    assert checks["repository"].status == "failed"
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS" in checks["repository"].fix
    assert repository.requests == []


def _mapping() -> Any:
    return SourceOptions(domain="acme", owner="111122223333", region="eu-west-1")


def test_unreachable_sts_is_a_warning_when_the_token_works() -> None:
    factory = Factory()
    factory.stub_sts().add_client_error("get_caller_identity", "InternalFailure", http_status_code=500)
    factory.stub().add_response("get_authorization_token", token_response("SECRET-T", 9e9))
    factory.stub().add_response("describe_repository", described("private"))
    (report,) = Doctor(factory, Repository()).examine([source()])
    checks = by_name(report)
    assert checks["identity"].status == "warning"
    assert "STS answered with a server error" in checks["identity"].message
    assert checks["token"].status == "ok"
    assert report.status == "warning"


@pytest.mark.parametrize(("code", "status"), [("AccessDeniedException", "warning"),
                                              ("ResourceNotFoundException", "failed")])
def test_describe_failures(code: str, status: str) -> None:
    factory = Factory()
    healthy(factory)
    factory.stub().add_client_error("describe_repository", code, http_status_code=403 if "Access" in code else 404)
    (report,) = Doctor(factory, Repository()).examine([source()])
    upstreams = by_name(report)["upstreams"]
    assert upstreams.status == status
    if status == "warning":
        assert "codeartifact:DescribeRepository" in (upstreams.fix or "")
    else:
        assert "found no repository 'private'" in upstreams.message


@pytest.mark.parametrize(("setup", "expected", "words"), [
    # PyPI primary next to CodeArtifact primary: both merged, the highest version wins
    ((("private", "primary"), ("PyPI", "primary")), "warning", "PyPI is primary too"),
    # CodeArtifact supplemental: Poetry adds PyPI as the primary index
    ((("private", "supplemental"),), "warning", "PyPI (added by Poetry"),
    # another index primary next to CodeArtifact
    ((("private", "primary"), ("corp", "primary")), "warning", "'corp' is primary too"),
    # PyPI supplemental behind a primary CodeArtifact: only names CodeArtifact lacks
    ((("private", "primary"), ("PyPI", "supplemental")), "ok", "PyPI is supplemental"),
    ((("private", "explicit"), ("PyPI", "primary")), "ok", "is explicit"),
])
def test_dependency_confusion(setup: tuple[tuple[str, str], ...], expected: str, words: str) -> None:
    factory = Factory()
    healthy(factory, described("private", (), ("public:pypi",)))
    urls = {"private": URL.format("private"), "corp": "https://corp.example.com/simple/", "PyPI": None}
    doctor = Doctor(factory, Repository(), pyproject(*((n, urls[n], p) for n, p in setup)))
    (report,) = doctor.examine([source(priority=setup[0][1])])
    confusion = by_name(report)["dependency-confusion"]
    assert confusion.status == expected, confusion
    assert words in confusion.message


def test_split_explained() -> None:
    assert split_explained(Exception("no AWS credentials were found (x). Configure them with `aws configure`.")) == (
        "no AWS credentials were found (x)", "Configure them with `aws configure`.")
    assert split_explained(Exception("just a cause")) == ("just a cause", None)
