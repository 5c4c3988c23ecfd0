"""Credentials follow origins, not names (the "Credentials follow hosts" issue), through a real
Poetry against the strict stand-in (user name ``aws`` required, rejection status selectable) with
recording servers for every other host. One test per row of the issue's table: no token and no
credential of the user's ever reaches an origin nobody vouched for, and the user's intent works.

Each test appends its figures (exit code, AWS token calls, what each server received) to the file
named by ``POETRY_CODEARTIFACT_TEST_REPORT``, which tools/test.py sets, for the closing note.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import pytest

from tools.standin import OwnServer
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.user import User
    from tools.poetry_runner import Result
    from tools.standin import StandIn

PYPI_TOKEN = "pypi-AgEIcHlwaS5vcmcCJGZha2UtcHlwaS10b2tlbi1vZi10aGUtdXNlcg"  # the user's own, fake
PASSWORD = "the-users-own-password-for-their-server"  # a test value


def report(row: int | str, user: User, result: Result, standin: StandIn, **servers: OwnServer) -> None:
    path = os.environ.get("POETRY_CODEARTIFACT_TEST_REPORT")
    if not path:
        return
    entry = {
        "row": row, "poetry": user.version, "command": " ".join(result.args), "exit": result.code,
        "token_calls": standin.token_calls(), "rejected_by_codeartifact": standin.state.unauthorized,
        "uploads": list(standin.state.uploads),
        "servers": {name: {"requests": len(server.records), "secrets": user.secrets_at(server)}
                    for name, server in servers.items()},
    }
    with open(path, "a") as handle:
        handle.write(json.dumps(entry) + "\n")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def map_source(app: Path, name: str, repo: str, standin: StandIn) -> None:
    r = standin.repos[repo]
    append(app / "pyproject.toml", f'\n[tool.poetry-codeartifact.sources.{name}]\ndomain = "{r.domain}"\n'
                                   f'domain-owner = "{r.owner}"\nregion = "{r.region}"\n')


def add_plain_source(app: Path, name: str, url: str, priority: str = "supplemental") -> None:
    """A second ``[[tool.poetry.source]]`` that is not CodeArtifact."""
    pyproject = app / "pyproject.toml"
    text = pyproject.read_text()
    entry = f'[[tool.poetry.source]]\nname = "{name}"\nurl = "{url}"\npriority = "{priority}"\n\n'
    pyproject.write_text(text.replace("[[tool.poetry.source]]", entry + "[[tool.poetry.source]]", 1))


def test_row1_a_projects_poetry_toml_cannot_steer_the_token(
    user: User, standin: StandIn, other_host: OwnServer
) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    add_plain_source(app, "other", f"{other_host.url}/simple/", "primary")  # asked for every package
    (app / "poetry.toml").write_text(f'[repositories.private]\nurl = "{other_host.url}/simple/"\n')
    user.add_dependency(app, "acme-utils")
    result = user.lock(app, check=False)
    report(1, user, result, standin, other_host=other_host)
    assert result.code == 0
    assert "acme-utils" in (app / "poetry.lock").read_text()
    assert other_host.records, "Poetry did ask the other host"
    assert user.secrets_at(other_host) == []
    assert [r.authorization() for r in other_host.records] == [(None, None)] * len(other_host.records)
    assert standin.token_calls() == 1  # add-source's login; lock reused it


def test_row2_a_direct_url_on_another_host_gets_no_token(
    user: User, standin: StandIn, other_host: OwnServer, tmp_path: Path
) -> None:
    wheel = make_wheel(tmp_path / "wheels", "helper", "1.0")
    other_host.files["/files/helper-1.0-py3-none-any.whl"] = wheel.read_bytes()
    app = user.project("app")
    user.add_source(app, "private", "private")
    (app / "poetry.toml").write_text(f'[repositories.private]\nurl = "{other_host.url}/files/"\n')
    user.add_dependency(app, "acme-utils")
    pyproject = app / "pyproject.toml"
    helper = f'helper = {{ url = "{other_host.url}/files/helper-1.0-py3-none-any.whl" }}\n'
    pyproject.write_text(pyproject.read_text().replace('python = ">=3.9"\n', f'python = ">=3.9"\n{helper}', 1))
    result = user.lock(app, check=False)
    installed = user.run("install", cwd=app, check=False)
    report(2, user, installed, standin, other_host=other_host)
    assert result.code == 0
    assert installed.code == 0
    assert any(r.path.startswith("/files/helper") for r in other_host.records)
    assert user.secrets_at(other_host) == []
    assert standin.state.unauthorized == 0


def users_own_server(user: User, own_server: OwnServer, *, pypi_token: bool = False) -> None:
    """The user's own repository 'private' in their global Poetry config, with their credential."""
    user.run("config", "repositories.private", own_server.url + "/legacy/")
    if pypi_token:
        user.run("config", "pypi-token.private", PYPI_TOKEN)
        user.own_secrets.append(PYPI_TOKEN)
    else:
        user.run("config", "http-basic.private", "me", PASSWORD)
        user.own_secrets.append(PASSWORD)


@pytest.mark.parametrize("pypi_token", [False, True], ids=["password", "pypi-token"])
def test_row3_a_cloned_project_cannot_reroute_the_users_publish(
    user: User, standin: StandIn, own_server: OwnServer, other_host: OwnServer, pypi_token: bool
) -> None:
    users_own_server(user, own_server, pypi_token=pypi_token)
    lib = user.project("acme-lib", package=True)
    pyproject = lib / "pyproject.toml"
    append(pyproject, f'\n[[tool.poetry.source]]\nname = "private"\nurl = "{other_host.url}/pypi/private/simple/"\n')
    map_source(lib, "private", "private", standin)
    result = user.run("publish", "--build", "-r", "private", cwd=lib, check=False)
    report(3, user, result, standin, own_server=own_server, other_host=other_host)
    assert result.code == 0
    assert "is not redirected to it" in result.err
    assert f"repositories.private of your Poetry config ({own_server.url}/legacy/)" in result.err
    assert other_host.records == []
    assert user.secrets_at(other_host) == []
    expected = ("__token__", PYPI_TOKEN) if pypi_token else ("me", PASSWORD)
    uploads = [r.authorization() for r in own_server.records if r.method == "POST"]
    assert uploads == [expected, expected]  # what plain Poetry does: the user's server, their credential
    assert standin.token_calls() == 0


def test_row4_publish_to_codeartifact_sends_the_token_not_the_users_pypi_token(
    user: User, standin: StandIn
) -> None:
    user.run("config", "pypi-token.private", PYPI_TOKEN)
    user.own_secrets.append(PYPI_TOKEN)
    lib = user.project("acme-lib", package=True)
    user.add_source(lib, "private", "private")
    result = user.run("publish", "--build", "-r", "private", cwd=lib, check=False)
    report(4, user, result, standin)
    assert result.code == 0
    assert standin.state.uploads == ["private", "private"]
    assert standin.state.unauthorized == 0  # never __token__, never the PyPI token
    assert ("private", "unknown") not in standin.state.seen
    assert standin.token_calls() == 1


def test_row5_the_users_own_repository_of_the_same_name_and_install(
    user: User, standin: StandIn, own_server: OwnServer
) -> None:
    users_own_server(user, own_server)
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.add_dependency(app, "acme-utils")
    user.lock(app, check=False)
    result = user.run("install", cwd=app, check=False)
    report(5, user, result, standin, own_server=own_server)
    assert result.code == 0
    assert "acme-utils" in result.out
    assert standin.state.unauthorized == 0  # the wheel download carried the token too
    assert "gets a CodeArtifact token for it" not in result.err
    assert own_server.records == []
    # the user's own server still gets the user's own password, from a project without 'private'
    plain = user.project("plain-lib", package=True)
    user.run("publish", "--build", "-r", "private", cwd=plain)
    assert [r.authorization() for r in own_server.records] == [("me", PASSWORD)] * 2


def test_row6_plain_http_to_a_codeartifact_host_is_refused_for_the_real_reason(
    user: User, standin: StandIn
) -> None:
    host = "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"
    app = user.project("app")
    append(app / "pyproject.toml", f'\n[[tool.poetry.source]]\nname = "private"\n'
                                   f'url = "http://{host}/pypi/private/simple/"\n'
                                   '\n[tool.poetry-codeartifact.sources.private]\ndomain = "acme"\n'
                                   'domain-owner = "111122223333"\nregion = "eu-west-1"\n')
    trusted = {"POETRY_CODEARTIFACT_TRUSTED_HOSTS": f"{user.env['POETRY_CODEARTIFACT_TRUSTED_HOSTS']},{host}"}
    result = user.run("codeartifact", "login", cwd=app, env=trusted, check=False)
    report(6, user, result, standin)
    assert result.code == 1
    assert "plain http" in result.err
    assert "Use https:// in the source URL" in result.err
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS=" not in result.err  # the user trusts it already
    assert standin.token_calls() == 0


def test_row7_a_redirect_to_another_host_is_named_and_costs_no_call(user: User, standin: StandIn) -> None:
    elsewhere = OwnServer(status=401)
    try:
        app = user.project("app")
        user.add_source(app, "private", "private")
        user.add_dependency(app, "acme-utils")
        standin.redirect("private", elsewhere.url)
        calls = standin.token_calls()
        result = user.lock(app, check=False)
        report(7, user, result, standin, elsewhere=elsewhere)
        assert elsewhere.records, "the repository did redirect there"
        assert user.secrets_at(elsewhere) == []
        assert f"redirected to {elsewhere.host}, which answered HTTP 401" in result.err
        assert "ReadFromRepository" not in result.err
        assert standin.token_calls() == calls  # no wasted AWS call
    finally:
        elsewhere.stop()


@pytest.mark.parametrize("status", [404, 403])
def test_row8_a_token_rejected_with_404_or_403_is_replaced(user: User, standin: StandIn, status: int) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.run("add", "acme-utils@^0.1.0", cwd=app)
    make_wheel(standin.repos["private"].root, "acme-utils", "0.1.1")
    standin.reject_with(status)
    standin.revoke_all()  # the plugin's record still says "valid for 12 hours"
    calls = standin.token_calls()
    result = user.run("show", "--outdated", cwd=app, check=False)
    report(8, user, result, standin)
    assert result.code == 0
    assert "0.1.1" in result.out
    assert "rejected the stored token of 'private'" in result.err
    assert standin.token_calls() == calls + 1
    again = user.run("show", "--outdated", cwd=app)  # the new token is kept: no call, no probe
    assert "0.1.1" in again.out
    assert standin.token_calls() == calls + 1


def test_row8_a_real_404_costs_one_probe_and_no_call(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    standin.reject_with(404)
    user.add_dependency(app, "no-such-package")
    calls, seen = standin.token_calls(), len(standin.state.seen)
    result = user.lock(app, check=False)
    assert result.code != 0  # the package really does not exist
    assert "rejected" not in result.err
    assert standin.token_calls() == calls
    probes = [repo for repo, _ in standin.state.seen[seen:]]
    assert len(probes) <= 3  # the package page, at most one probe of the index root, and nothing more


def test_row9_a_url_with_credentials_is_recognised_and_the_fix_named(user: User, standin: StandIn) -> None:
    app = user.project("app")
    host = "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"
    append(app / "pyproject.toml", f'\n[[tool.poetry.source]]\nname = "private"\n'
                                   f'url = "https://aws:stale@{host}/pypi/private/simple/"\n')
    status = user.run("codeartifact", "status", cwd=app, check=False)
    report("9 (status)", user, status, standin)
    assert "No CodeArtifact source" not in status.text
    assert "acme/private" in status.out
    assert "Remove the user:password@ part" in " ".join(status.text.split())  # status wraps its lines
    # on the stand-in, the same mistake costs nothing: a fresh token goes instead of the stale one
    local = user.project("local")
    url = standin.repo_url("private").replace("http://", "http://aws:stale@") + "simple/"
    append(local / "pyproject.toml", f'\n[[tool.poetry.source]]\nname = "private"\nurl = "{url}"\n')
    map_source(local, "private", "private", standin)
    user.add_dependency(local, "acme-utils")
    result = user.lock(local, check=False)
    report(9, user, result, standin)
    assert result.code == 0
    assert "Remove the user:password@ part" in result.err
    assert standin.state.unauthorized == 0
    assert standin.token_calls() == 1


@pytest.mark.parametrize("entry", ["127.0.0.1:99999", "127.0.0.1:abc", "127.0.0.1:0"])
def test_row10_a_trusted_host_with_a_bad_port_is_an_error(user: User, standin: StandIn, entry: str) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    result = user.run("codeartifact", "status", cwd=app, env={"POETRY_CODEARTIFACT_TRUSTED_HOSTS": entry},
                      check=False)
    report(10, user, result, standin)
    assert result.code == 1
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS" in result.err
    assert "1 to 65535" in result.err


def test_row1_a_token_stored_by_hand_under_the_name_is_not_steered_either(
    user: User, standin: StandIn, other_host: OwnServer
) -> None:
    """The manual ritual (or 0.1.0) left `http-basic.private aws <token>` in the user's config:
    Poetry would send it wherever the project's poetry.toml points `private`."""
    by_hand = "STALE-BY-HAND-" + "x" * 40
    user.run("config", "http-basic.private", "aws", by_hand)
    user.own_secrets.append(by_hand)
    app = user.project("app")
    user.add_source(app, "private", "private")
    add_plain_source(app, "other", f"{other_host.url}/simple/", "primary")
    (app / "poetry.toml").write_text(f'[repositories.private]\nurl = "{other_host.url}/simple/"\n')
    user.add_dependency(app, "acme-utils")
    result = user.lock(app, check=False)
    report("1 (by hand)", user, result, standin, other_host=other_host)
    assert result.code == 0
    assert other_host.records, "Poetry did ask the other host"
    assert user.secrets_at(other_host) == []
    assert f"a CodeArtifact token you stored for 'private' (http-basic, user aws) was not sent to {other_host.host}" \
        in result.err
    assert standin.state.unauthorized == 0  # CodeArtifact got the fresh token, not the stale one
