"""``poetry codeartifact doctor`` through a real Poetry against the stand-in: a healthy setup and
the broken ones a user runs it for. ``User.run`` fails any test whose output holds a token."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.user import User
    from tools.standin import StandIn


def checks(out: str, name: str = "private") -> dict[str, dict[str, Any]]:
    data = json.loads(out)
    (source,) = [s for s in data["sources"] if s["name"] == name]
    return {check["name"]: check for check in source["checks"]}


def flat(text: str) -> str:
    """The text output with its line wrapping undone."""
    return " ".join(text.split())


def with_private(user: User, *extra: str) -> Path:
    app = user.project("app")
    user.add_source(app, "private", "private", *extra)
    return app


def test_healthy_setup(user: User, standin: StandIn) -> None:
    app = with_private(user)
    stored = (user.config_dir / "codeartifact-tokens.json").read_bytes()
    calls = standin.token_calls()
    result = user.run("codeartifact", "doctor", cwd=app)
    text = flat(result.out)
    assert "identity: arn:aws:iam::111122223333:user/akidstandintest (account 111122223333)" in text
    assert "PyPI is behind it (private -> pypi-store -> public:pypi)" in text
    assert "origin controls" in text
    assert result.out.rstrip().endswith("1 source checked: everything works.")
    assert standin.token_calls() == calls + 1
    assert standin.state.caller_identity_calls == 1
    assert (user.config_dir / "codeartifact-tokens.json").read_bytes() == stored  # the probe token is not kept
    data = json.loads(user.run("codeartifact", "doctor", "--format", "json", cwd=app).out)
    assert data["status"] == "ok"
    assert [s["name"] for s in data["sources"]] == ["private"]
    assert user.files_with_tokens() == []


def test_no_token_at_any_verbosity(user: User, standin: StandIn) -> None:
    app = with_private(user, "--no-login")
    for flag in ("-v", "-vvv"):
        user.run("codeartifact", "doctor", flag, cwd=app)  # the harness fails on a token in the output
        data = json.loads(user.run("codeartifact", "doctor", "--format", "json", flag, cwd=app).out)
        assert data["status"] == "ok"  # stdout is JSON alone, at -vvv too
    standin.inject("AccessDeniedException", operation="DescribeRepository")
    user.run("codeartifact", "doctor", "-vvv", cwd=app)


def test_access_denied_on_the_token(user: User, standin: StandIn) -> None:
    app = with_private(user, "--no-login")
    standin.inject("AccessDeniedException", operation="GetAuthorizationToken")
    result = user.run("codeartifact", "doctor", cwd=app, check=False)
    assert result.code == 1, str(result)
    text = flat(result.out)
    assert "failed token: AWS denied access" in text
    assert "codeartifact:GetAuthorizationToken" in text
    assert "sts:GetServiceBearerToken" in text
    assert "skipped  repository" in result.out
    assert "1 failed" in result.out


def test_unknown_repository(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.run("codeartifact", "add-source", "private", "--url", f"{standin.url}/pypi/missing/", "--domain", "acme",
             "--domain-owner", "111122223333", "--region", "eu-west-1", "--no-login", cwd=app)
    result = user.run("codeartifact", "doctor", "--format", "json", cwd=app, check=False)
    assert result.code == 1, str(result)
    found = checks(result.out)
    assert found["token"]["status"] == "ok"
    assert found["repository"]["status"] == "failed"
    assert "HTTP 404" in found["repository"]["message"]
    assert found["upstreams"]["status"] == "failed"
    assert "CodeArtifact found no repository 'missing'" in found["upstreams"]["message"]


def test_repository_refusing_the_token(user: User, standin: StandIn) -> None:
    app = with_private(user)
    standin.revoke_all()  # the stored token is revoked too: doctor checks with a fresh one
    standin.refuse("private", 403)
    result = user.run("codeartifact", "doctor", cwd=app, check=False)
    assert result.code == 1, str(result)
    assert "answered HTTP 403 to a token CodeArtifact has just issued" in flat(result.out)
    assert "codeartifact:ReadFromRepository" in flat(result.out)


def test_no_aws_credentials(user: User, standin: StandIn) -> None:
    app = with_private(user, "--no-login")
    result = user.run("codeartifact", "doctor", "--format", "json", cwd=app, check=False,
                      drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    assert result.code == 1, str(result)
    found = checks(result.out)
    assert found["identity"]["status"] == "failed"
    assert "no AWS credentials" in found["identity"]["message"]
    assert found["token"]["status"] == "skipped"
    assert standin.token_calls() == 0


@pytest.mark.usefixtures("standin")
def test_outside_a_project(user: User) -> None:
    result = user.run("codeartifact", "doctor", check=False)
    assert result.code == 1
    assert "No CodeArtifact source or repository was found" in result.err
