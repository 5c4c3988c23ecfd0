"""Issue 14, items 4 and 5, through a real Poetry: a personal AWS profile that wins over the shared
pyproject.toml (environment, poetry.toml, codeartifact.toml, in that order, shown by `status`),
and pre-fetched CI tokens per domain."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tools.wheels import make_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.user import User
    from tools.standin import StandIn

PROFILES = ("team", "local", "mine", "domain", "env")


def _profiles(user: User) -> None:
    """One AWS profile per place a setting can come from, each with its own access key, so that
    the stand-in's record of who asked for a token tells which one won."""
    lines = []
    for name in PROFILES:
        lines += [f"[{name}]", f"aws_access_key_id = AKID{name.upper()}", "aws_secret_access_key = secret", ""]
    (user.home / ".aws" / "credentials").write_text("\n".join(lines))
    user.config_dir.mkdir(parents=True, exist_ok=True)


def _identity(user: User, app: Path) -> tuple[str, str]:
    (row,) = json.loads(user.run("codeartifact", "status", "--format", "json", cwd=app).out)["sources"]
    return row["identity"], row["identity_from"]


def test_each_personal_place_wins_over_the_shared_pyproject_in_order(user: User, standin: StandIn) -> None:
    _profiles(user)
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login", "--profile", "team")
    assert _identity(user, app) == ("profile team", "profile: pyproject.toml")

    (user.config_dir / "codeartifact.toml").write_text('[domains.acme]\nprofile = "domain"\n')
    assert _identity(user, app) == ("profile domain", f"profile: {user.config_dir / 'codeartifact.toml'} "
                                    "[domains.acme]")
    (user.config_dir / "codeartifact.toml").write_text(
        '[domains.acme]\nprofile = "domain"\n\n[sources.private]\nprofile = "mine"\n')
    assert _identity(user, app)[0] == "profile mine"
    (app / "poetry.toml").write_text('[codeartifact.sources.private]\nprofile = "local"\n')
    assert _identity(user, app) == ("profile local", f"profile: {app / 'poetry.toml'} "
                                    "[codeartifact.sources.private]")

    env = {"POETRY_CODEARTIFACT_PROFILE": "env"}
    assert json.loads(user.run("codeartifact", "status", "--format", "json", cwd=app, env=env).out)[
        "sources"][0]["identity_from"] == "profile: POETRY_CODEARTIFACT_PROFILE"
    user.lock(app, env=env)
    assert standin.state.token_callers == ["AKIDENV"]

    user.run("codeartifact", "logout", cwd=app)
    user.lock(app)  # without the variable, poetry.toml wins: a token of another identity
    assert standin.state.token_callers == ["AKIDENV", "AKIDLOCAL"]
    user.run("codeartifact", "login", "--profile", "mine", cwd=app)  # the command line wins over all
    assert standin.state.token_callers[-1] == "AKIDMINE"
    assert 'profile = "team"' in (app / "pyproject.toml").read_text()  # the shared file is never edited


def test_a_per_source_variable_wins_over_the_global_one(user: User, standin: StandIn) -> None:
    _profiles(user)
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    env = {"POETRY_CODEARTIFACT_PROFILE": "env", "POETRY_CODEARTIFACT_PROFILE_PRIVATE": "mine"}
    user.lock(app, env=env)
    assert standin.state.token_callers == ["AKIDMINE"]


def test_a_bad_personal_setting_is_named_and_changes_nothing(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    before = (app / "pyproject.toml").read_bytes()
    bad = user.run("lock", cwd=app, env={"POETRY_CODEARTIFACT_PROFILE": "has space"}, check=False)
    assert bad.code == 1
    assert "POETRY_CODEARTIFACT_PROFILE" in bad.err
    assert "Traceback" not in bad.text
    (app / "poetry.toml").write_text('[codeartifact.sources.private]\ndomain = "other"\n')
    mapped = user.run("codeartifact", "status", cwd=app, check=False)
    assert mapped.code == 1
    assert "[codeartifact.sources.private]" in mapped.err
    assert "unknown key here" in mapped.err
    assert (app / "pyproject.toml").read_bytes() == before
    assert standin.token_calls() == 0


@pytest.fixture
def two_domains(user: User, standin: StandIn) -> Path:
    """A project with a source in domain acme and a supplemental one in domain tools, each with a
    package only it has (so both are read), and nobody logged in."""
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_source(app, "shared", "shared", "--no-login", "--priority", "supplemental")
    make_wheel(standin.repos["shared"].root, "tools-lib", "0.1.0")
    user.add_dependency(app, "acme-utils")
    user.add_dependency(app, "tools-lib")
    return app


@pytest.mark.parametrize("acme_variable", ["CODEARTIFACT_AUTH_TOKEN_ACME", "CODEARTIFACT_AUTH_TOKEN"])
def test_ci_tokens_per_domain_reach_only_their_domain(
    user: User, standin: StandIn, two_domains: Path, acme_variable: str
) -> None:
    """A pipeline's tokens, one per domain; CODEARTIFACT_AUTH_TOKEN keeps its meaning (every
    domain without a variable of its own)."""
    acme, _ = standin.issue_token("acme", None)
    tools, _ = standin.issue_token("tools", None)
    calls = standin.token_calls()  # the two above, as a pipeline's earlier step would fetch them
    env = {acme_variable: acme, "CODEARTIFACT_AUTH_TOKEN_TOOLS": tools}
    status = user.run("codeartifact", "status", "--format", "json", cwd=two_domains, env=env).out
    rows = json.loads(status)["sources"]
    assert [row["credential"] for row in rows] == [
        f"environment ({acme_variable})", "environment (CODEARTIFACT_AUTH_TOKEN_TOOLS)"]
    user.lock(two_domains, env=env)
    assert standin.token_calls() == calls
    assert standin.state.unauthorized == 0
    assert {domain for repo, domain in standin.state.seen if repo == "private"} == {"acme"}
    assert {domain for repo, domain in standin.state.seen if repo == "shared"} == {"tools"}
    assert not (user.config_dir / "codeartifact-tokens.json").exists()
