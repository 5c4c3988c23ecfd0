"""``doctor`` through an in-process Poetry, with real boto3 against the stand-in."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.app import add_sources, run, snapshot
from tools.standin import TOKEN_PREFIX, StandIn

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def two_sources(project: Path, standin: StandIn) -> Path:
    """The recommended setup: 'private' (PyPI behind it) the only primary, 'shared' explicit."""
    add_sources(standin, ("private", "private", "primary"), ("shared", "shared", "explicit"))
    return project


def doctor_json(args: str = "", code: int = 0) -> dict[str, Any]:
    result = run(f"codeartifact doctor --format json {args}".strip())
    assert result.code == code, result.text
    assert TOKEN_PREFIX not in result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["sources"][0]["checks"]} if "sources" in report else report


def by_source(data: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    return {s["name"]: {c["name"]: c for c in s["checks"]} for s in data["sources"]}


def test_healthy_sources_and_what_is_behind_them(two_sources: Path, poetry_config_dir: Path,
                                                 standin: StandIn) -> None:
    before = snapshot(poetry_config_dir, two_sources)
    data = doctor_json()
    assert data["status"] == "ok"
    found = by_source(data)
    assert list(found) == ["private", "shared"]
    private, shared = found["private"], found["shared"]
    assert all(check["status"] == "ok" for report in found.values() for check in report.values()), found
    assert "arn:aws:iam::111122223333:user/akidstandintest" in private["identity"]["message"]
    assert "cross-account" in shared["identity"]["message"]  # the tools domain belongs to 444455556666
    assert "private -> pypi-store -> public:pypi" in private["upstreams"]["message"]
    assert "shared -> public:pypi" in shared["upstreams"]["message"]
    assert "origin controls" in private["dependency-confusion"]["message"]
    assert "explicit" in shared["dependency-confusion"]["message"]
    assert standin.state.caller_identity_calls == 2
    assert standin.token_calls() == 2
    assert snapshot(poetry_config_dir, two_sources) == before  # nothing stored, nothing changed


@pytest.mark.usefixtures("three_sources")
def test_sources_of_one_domain_share_identity_and_token(standin: StandIn) -> None:
    found = by_source(doctor_json("private internal"))
    assert standin.state.caller_identity_calls == 1
    assert standin.token_calls() == 1
    assert "no PyPI behind it" in found["internal"]["upstreams"]["message"]


@pytest.mark.usefixtures("three_sources", "standin")
def test_another_primary_codeartifact_source_with_pypi_behind_it() -> None:
    found = by_source(doctor_json())
    internal = found["internal"]["dependency-confusion"]
    assert internal["status"] == "warning"
    assert "'private' (PyPI is behind it: private -> pypi-store -> public:pypi)" in internal["message"]
    assert "'shared' (PyPI is behind it: shared -> public:pypi)" in internal["message"]
    assert "origin controls" in internal["fix"]


@pytest.mark.usefixtures("standin")
def test_pypi_next_to_codeartifact(two_sources: Path) -> None:
    pyproject = two_sources / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[[tool.poetry.source]]\nname = "PyPI"\npriority = "primary"\n')
    private = checks(doctor_json("private"))["dependency-confusion"]
    assert private["status"] == "warning"
    assert "PyPI is primary too" in private["message"]
    assert "CodeArtifact already brings PyPI (private -> pypi-store -> public:pypi)" in private["fix"]


@pytest.mark.usefixtures("project")
def test_supplemental_codeartifact_with_implicit_pypi(standin: StandIn) -> None:
    result = run(f"codeartifact add-source internal --url {standin.repo_url('internal')} --domain acme "
                 "--domain-owner 111122223333 --region eu-west-1 --priority supplemental --no-login")
    assert result.code == 0, result.text
    internal = checks(doctor_json())["dependency-confusion"]
    assert internal["status"] == "warning"
    assert "PyPI (added by Poetry because no source is primary)" in internal["message"]
    assert "associate-external-connection" in internal["fix"]


@pytest.mark.usefixtures("two_sources", "standin")
def test_text_output_and_exit_code() -> None:
    result = run("codeartifact doctor private")
    assert result.code == 0, result.text
    assert TOKEN_PREFIX not in result.text
    lines = result.out.splitlines()
    assert lines[0] == "private (source, primary): acme/private, owner 111122223333, region eu-west-1"
    assert lines[1].startswith("  ok       identity: arn:aws:iam::111122223333:user/akidstandintest")
    assert all(len(line) <= 100 for line in lines), result.out
    assert lines[-1] == "1 source checked: everything works."


@pytest.mark.usefixtures("three_sources")
def test_denied_token_fails_with_the_permission(standin: StandIn) -> None:
    standin.inject("AccessDeniedException", operation="GetAuthorizationToken")
    data = doctor_json("private", code=1)
    private = checks(data)
    assert data["status"] == "failed"
    assert private["token"]["status"] == "failed"
    assert "codeartifact:GetAuthorizationToken" in private["token"]["fix"]
    assert "sts:GetServiceBearerToken" in private["token"]["fix"]
    assert private["repository"]["status"] == "skipped"
    assert private["upstreams"]["status"] == "ok"


@pytest.mark.usefixtures("three_sources")
def test_describe_denied_is_a_warning(standin: StandIn) -> None:
    standin.inject("AccessDeniedException", operation="DescribeRepository")
    data = doctor_json("private")
    private = checks(data)
    assert data["status"] == "warning"
    assert private["upstreams"]["status"] == "warning"
    assert "codeartifact:DescribeRepository" in private["upstreams"]["fix"]
    assert "unknown" in private["dependency-confusion"]["message"]


@pytest.mark.usefixtures("three_sources")
def test_repository_that_refuses_names_read_permission(standin: StandIn) -> None:
    standin.refuse("internal", 403)
    data = doctor_json("internal", code=1)
    internal = checks(data)
    assert internal["repository"]["status"] == "failed"
    assert "HTTP 403" in internal["repository"]["message"]
    assert "codeartifact:ReadFromRepository" in internal["repository"]["fix"]


@pytest.mark.usefixtures("three_sources")
def test_no_credentials(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    data = doctor_json("shared", code=1)
    shared = checks(data)
    assert shared["identity"]["status"] == "failed"
    assert "no AWS credentials were found" in shared["identity"]["message"]
    assert "aws configure" in shared["identity"]["fix"]
    assert {shared[name]["status"] for name in ("token", "repository", "upstreams")} == {"skipped"}
    assert standin.token_calls() == 0


@pytest.mark.usefixtures("poetry_config_dir")
def test_outside_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("codeartifact doctor")
    assert result.code == 1
    assert "No CodeArtifact source or repository was found" in result.err
    data = doctor_json(code=1)
    assert data["status"] == "failed"
    assert data["sources"] == []
    assert "no project here" in data["problem"]
