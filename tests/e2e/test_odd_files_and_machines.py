"""Hostile input, odd-but-valid files and broken machines (the "Hostile input" issue), through a
real Poetry against the stand-in: the plugin never breaks a project, never reports what did not
happen, and never hangs."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import pytest

if sys.version_info >= (3, 11):  # a check mypy understands, for the oldest Python (3.10) too
    import tomllib
else:  # Python 3.10: Poetry depends on tomli there
    import tomli as tomllib

if TYPE_CHECKING:
    from tests.support.user import User
    from tools.standin import StandIn

ACME = "acme-111122223333@eu-west-1"


@pytest.mark.parametrize(
    "layout",
    [
        ("[tool.poetry]", '[tool.poetry]\nsource = [{ name = "corp", url = "https://corp.example/simple/", '
                          'priority = "explicit" }]'),
        ("[tool.black]", '[tool.poetry-codeartifact]\nsources.corp.domain = "acme"\n'
                         'sources.corp.domain-owner = "111122223333"\nsources.corp.region = "eu-west-1"\n'
                         'sources.corp.role-arn = "arn:aws:iam::111122223333:role/ci"\n\n[tool.black]'),
        ("[tool.black]", '[tool.poetry-codeartifact]\nsources = { corp = { domain = "acme", '
                         'domain-owner = "111122223333", region = "eu-west-1", profile = "team" } }\n\n[tool.black]'),
    ],
    ids=["inline-source-array", "dotted-keys", "inline-table"],
)
@pytest.mark.usefixtures("standin")
def test_odd_layouts_stay_valid_for_poetry(user: User, layout: tuple[str, str]) -> None:
    app = user.project("app")
    pyproject = app / "pyproject.toml"
    marker, replacement = layout
    text = pyproject.read_text()
    pyproject.write_text((text if marker in text else text + "\n[tool.black]\nline-length = 100\n")
                         .replace(marker, replacement, 1))
    before = tomllib.loads(pyproject.read_text())
    user.add_source(app, "private", "private")
    after = tomllib.loads(pyproject.read_text())
    assert after["tool"]["poetry-codeartifact"]["sources"].pop("private")["domain"] == "acme"
    after["tool"]["poetry"]["source"] = [s for s in after["tool"]["poetry"]["source"] if s["name"] != "private"]
    for table, key in ((after["tool"]["poetry"], "source"), (after["tool"], "poetry-codeartifact")):
        if not table[key] or table[key] == {"sources": {}}:
            del table[key]
    assert after == before  # every other key (role-arn, profile, corp's source) is still there
    user.add_dependency(app, "acme-utils")
    user.lock(app)  # Poetry still reads the project, and the new source works
    user.run("check", cwd=app)


@pytest.mark.usefixtures("standin")
def test_a_crlf_project_stays_crlf(user: User) -> None:
    app = user.project("app")
    pyproject = app / "pyproject.toml"
    pyproject.write_bytes(pyproject.read_bytes().replace(b"\n", b"\r\n"))
    user.add_source(app, "private", "private")
    data = pyproject.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    user.lock(app)


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/\nsimple/",
         "no spaces, line breaks or other control characters"),
        ("https://aws:hunter2@acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/simple/",
         "must not hold credentials"),
    ],
    ids=["newline", "credentials"],
)
def test_a_bad_url_is_refused_before_anything_happens(user: User, standin: StandIn, url: str, rule: str) -> None:
    app = user.project("app")
    before = (app / "pyproject.toml").read_bytes()
    result = user.run("codeartifact", "add-source", "private", "--url", url, cwd=app, check=False)
    assert result.code == 1
    assert rule in result.err
    assert "hunter2" not in result.text
    assert (app / "pyproject.toml").read_bytes() == before
    assert standin.token_calls() == 0
    assert not user.config_dir.exists() or not any(user.config_dir.iterdir())


@pytest.mark.parametrize("command", [("codeartifact", "status"), ("codeartifact", "login"),
                                     ("codeartifact", "add-source", "private", "--url",
                                      "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/p/")])
@pytest.mark.usefixtures("standin")
def test_poetrys_own_error_comes_through(user: User, command: tuple[str, ...]) -> None:
    app = user.project("app")
    pyproject = app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', "version = 1"))
    result = user.run(*command, cwd=app, check=False)
    assert result.code == 1
    assert "Poetry cannot read this project" in result.err
    assert "no pyproject.toml" not in result.text
    assert "No CodeArtifact source" not in result.text
    assert "Traceback" not in result.text


@pytest.mark.parametrize("damage", ["mistyped-expiry", "fifo"])
def test_a_damaged_state_means_refresh_and_repair(user: User, standin: StandIn, damage: str) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.add_dependency(app, "acme-utils")
    state = user.config_dir / "codeartifact-state.json"
    if damage == "fifo":
        state.unlink()
        os.mkfifo(state)  # reading it would block forever
    else:
        data = json.loads(state.read_text())
        data["tokens"][ACME]["expires_at"] = "NaN"
        state.write_text(json.dumps(data))
    calls = standin.token_calls()
    user.lock(app)  # returns: no hang, no swallowed error
    assert standin.token_calls() == calls + 1
    assert isinstance(json.loads(state.read_text())["tokens"][ACME]["expires_at"], float)  # repaired
    user.run("install", cwd=app)
    assert standin.token_calls() == calls + 1


@pytest.mark.usefixtures("standin")
def test_a_store_that_cannot_be_written_is_named_and_login_fails(user: User) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_dependency(app, "acme-utils")
    user.config_dir.mkdir(parents=True, exist_ok=True)
    (user.config_dir / "codeartifact-tokens.json").mkdir()  # as unwritable as a read-only directory for root
    login = user.run("codeartifact", "login", cwd=app, check=False)
    assert login.code == 1
    assert "could not store the new CodeArtifact token for 'private'" in login.err
    assert "keyring" not in login.err  # the file failed, not the keyring (which is off)
    assert "could not be stored" in login.err
    locked = user.lock(app)  # the command itself goes on with the token it fetched
    assert "it is used for this run only" in locked.err


@pytest.mark.usefixtures("standin")
def test_the_profile_named_is_the_one_boto3_used(user: User) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    result = user.lock(app, check=False, env={"AWS_PROFILE": "ghost"},
                       drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    assert result.code == 1
    assert "the AWS profile 'ghost' does not exist" in result.err
    assert "None" not in result.err


def test_two_failing_domains_each_keep_their_own_message(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_source(app, "shared", "shared", "--no-login", "--priority", "supplemental")
    standin.inject("AccessDeniedException", count=1)
    standin.inject("ResourceNotFoundException", count=1)
    result = user.lock(app, check=False)
    assert result.code == 1
    acme = next(line for line in result.err.splitlines() if "'private'" in line)
    tools = next(line for line in result.err.splitlines() if "'shared'" in line)
    assert "domain acme" in acme
    assert "domain tools" in tools
    assert {"AWS denied access" in acme, "AWS denied access" in tools} == {True, False}

