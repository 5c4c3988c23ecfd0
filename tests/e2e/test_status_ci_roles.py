"""Issue 6 through a real Poetry: status, logout, CI mode, pipeline tokens, roles and `token`."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from typing import TYPE_CHECKING

import pytest

from tools.standin import TOKEN_PREFIX

if TYPE_CHECKING:
    from tests.support.user import User
    from tools.standin import StandIn


def test_status_and_logout(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.add_source(app, "shared", "shared", "--no-login", "--priority", "supplemental")
    calls = standin.token_calls()
    table = user.run("codeartifact", "status", cwd=app)
    assert "private" in table.out
    assert "codeartifact-tokens.json" in table.out
    assert "(in 11h 59m)" in table.out
    assert "shared" in table.out
    assert "missing" in table.out
    assert max(len(line) for line in table.text.splitlines()) <= 100  # warnings included
    data = json.loads(user.run("codeartifact", "status", "--format", "json", cwd=app).out)
    assert [row["name"] for row in data["sources"]] == ["private", "shared"]
    assert standin.token_calls() == calls  # status makes no AWS call
    pyproject = (app / "pyproject.toml").read_bytes()
    out = user.run("codeartifact", "logout", cwd=app).out
    assert "private: logged out of domain acme (owner 111122223333, region eu-west-1) (token removed from " \
        "codeartifact-tokens.json)" in out
    assert (app / "pyproject.toml").read_bytes() == pyproject
    assert "missing" in user.run("codeartifact", "status", cwd=app).out
    assert json.loads((user.config_dir / "codeartifact-state.json").read_text())["tokens"] == {}
    user.lock(app)  # logged out: the next command that needs the index logs in again by itself
    assert standin.token_calls() == calls + 2  # one per domain (acme, tools)


def test_memory_store_keeps_every_token_off_disk(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    memory = {"POETRY_CODEARTIFACT_STORE": "memory"}
    user.run("add", "acme-utils", cwd=app, env=memory)
    user.run("install", cwd=app, env=memory)
    assert standin.token_calls() == 2  # each process fetches what it needs, once
    assert not (user.config_dir / "auth.toml").exists()
    assert not (user.config_dir / "codeartifact-tokens.json").exists()
    assert not (user.config_dir / "codeartifact-state.json").exists()
    assert user.files_with_tokens() == []


def test_pipeline_token_serves_every_source_without_aws(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    token = json.loads((user.config_dir / "codeartifact-tokens.json").read_text())["tokens"].popitem()[1]
    (user.config_dir / "codeartifact-tokens.json").unlink()
    (user.config_dir / "codeartifact-state.json").unlink()
    calls = standin.token_calls()
    user.run("add", "acme-utils", cwd=app, env={"CODEARTIFACT_AUTH_TOKEN": token})
    assert standin.token_calls() == calls
    assert standin.state.unauthorized == 0
    assert not (user.config_dir / "codeartifact-tokens.json").exists()


def test_role_from_pyproject_is_assumed_once(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_source(app, "internal", "internal", "--no-login", "--priority", "supplemental")
    text = (app / "pyproject.toml").read_text().replace(
        'region = "eu-west-1"\n', 'region = "eu-west-1"\nrole-arn = "arn:aws:iam::111122223333:role/ci"\n')
    (app / "pyproject.toml").write_text(text)
    user.run("add", "acme-utils", cwd=app)
    assert standin.state.assume_role_calls == 1
    assert standin.state.token_callers == ["ASIASTANDINROLE"]
    assert "role arn:aws:iam::111122223333:role/ci" in user.run("codeartifact", "status", cwd=app).out


@pytest.mark.usefixtures("standin")
def test_token_for_other_tools_and_never_to_a_terminal(user: User) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    piped = subprocess.run([user.poetry, "codeartifact", "token"], cwd=app, env=user.env, capture_output=True,
                           text=True, timeout=120)
    assert piped.returncode == 0
    assert piped.stdout.startswith(TOKEN_PREFIX)
    assert piped.stderr == ""
    main, secondary = pty.openpty()
    try:
        tty = subprocess.run([user.poetry, "codeartifact", "token"], cwd=app, env=user.env, stdout=secondary,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(secondary)
    screen = b""
    try:
        while chunk := os.read(main, 65536):
            screen += chunk
    except OSError:
        pass
    os.close(main)
    assert tty.returncode != 0
    assert "Refusing to print" in tty.stderr
    assert TOKEN_PREFIX.encode() not in screen


@pytest.mark.usefixtures("standin")
def test_token_output_is_the_token_alone_at_every_verbosity(user: User) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    for flag in ("-q", "-v", "-vvv"):
        piped = subprocess.run([user.poetry, "codeartifact", "token", "private", flag], cwd=app, env=user.env,
                               capture_output=True, text=True, timeout=120)
        assert piped.returncode == 0, flag
        (line,) = piped.stdout.splitlines()  # `TOKEN=$(poetry codeartifact token -vvv)` is the token
        assert line.startswith(TOKEN_PREFIX), flag
        assert TOKEN_PREFIX not in piped.stderr
