"""Every command, every project, every teammate (the "Every command" issue), through a real
Poetry against the stand-in: commands beyond the seven that 0.1.0 hooked, a token the server
revokes, one source name in two domains, publishing where the project says, and tokens that
never reach a host that neither AWS nor the user vouches for."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from tests.support.user import User
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tools.standin import OwnServer, StandIn


def app_with_newer_release(user: User, standin: StandIn) -> Path:
    """A project that locked and installed acme-utils 0.1.0, after which 0.1.1 was published."""
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.run("add", "acme-utils@^0.1.0", cwd=app)
    make_wheel(standin.repos["private"].root, "acme-utils", "0.1.1")
    return app


def only_own_tokens(standin: StandIn) -> bool:
    """Every request to a repository carried a token of that repository's domain, or none."""
    return all(domain in ("none", standin.repos[repo].domain) for repo, domain in standin.state.seen)


COMMANDS = [
    (("show", "--outdated"), "0.1.1"),
    (("show", "--latest"), "0.1.1"),
    (("debug", "resolve", "acme-utils"), "0.1.1"),
    (("search", "acme-utils"), "acme-utils"),
    (("export", "--with-credentials", "-f", "requirements.txt", "-o", "requirements.txt"), "requirements.txt"),
]


@pytest.mark.parametrize(("args", "expected"), COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_commands_beyond_install_get_a_fresh_token(
    user: User, standin: StandIn, args: tuple[str, ...], expected: str
) -> None:
    if args[0] == "search" and user.is_poetry_1:
        pytest.skip("Poetry 1.8 searches PyPI only, never a project's sources")
    if args[0] == "export" and not user.is_poetry_1:
        pytest.skip("Poetry 2 has no export without poetry-plugin-export: see test_other_plugins.py")
    app = app_with_newer_release(user, standin)
    user.expire_tokens(app, "private")
    calls, unauthorized = standin.token_calls(), standin.state.unauthorized
    result = user.run(*args, cwd=app, writes_credentials_to=(app / "requirements.txt",))
    assert standin.token_calls() == calls + 1, result
    assert standin.state.unauthorized == unauthorized, result  # the expired token was never sent
    assert "Authorization error" not in result.text
    if args[0] == "export":
        requirements = (app / expected).read_text()
        assert "acme-utils==0.1.0" in requirements
        token = requirements.split("aws:", 1)[1].split("@", 1)[0]
        assert standin.token_valid_for(token, "acme")  # pip can install with what export wrote
    else:
        assert expected in result.out


def test_a_token_the_server_revoked_is_replaced_within_the_command(user: User, standin: StandIn) -> None:
    app = app_with_newer_release(user, standin)
    standin.revoke_all()  # the plugin's record still says "valid for 12 hours"
    calls = standin.token_calls()
    result = user.run("update", cwd=app)
    assert result.code == 0
    assert "rejected the stored token of 'private'" in result.err
    assert "Authorization error" not in result.text
    assert "acme-utils (0.1.0 -> 0.1.1)" in result.out
    assert standin.token_calls() == calls + 1
    user.run("show", "--outdated", cwd=app)  # the record was corrected: no refetch, no rejection
    assert standin.token_calls() == calls + 1


def test_a_revoked_token_is_replaced_during_publish(user: User, standin: StandIn) -> None:
    lib = user.project("acme-lib", package=True)
    user.add_source(lib, "private", "private")
    standin.revoke_all()
    result = user.run("publish", "--build", "-r", "private", cwd=lib)
    assert "rejected the stored token of 'private'" in result.err
    assert standin.state.uploads.count("private") == 2  # sdist and wheel, after one retry
    assert standin.token_calls() == 2


def test_one_source_name_in_two_domains_costs_no_call_when_switching(user: User, standin: StandIn) -> None:
    make_wheel(standin.repos["shared"].root, "tools-lib", "1.0.0")
    a, b = user.project("a"), user.project("b")
    user.add_source(a, "private", "private")
    user.add_source(b, "private", "shared")  # the same name, another domain
    user.add_dependency(a, "acme-utils")
    user.add_dependency(b, "tools-lib")
    calls = standin.token_calls()
    for project in (a, b, a, b):
        user.lock(project)
        user.run("install", cwd=project)
    assert standin.token_calls() == calls
    assert standin.state.unauthorized == 0
    assert only_own_tokens(standin)


def test_publish_goes_to_the_projects_own_repository(user: User, standin: StandIn) -> None:
    lib = user.project("acme-lib", package=True)
    user.add_source(lib, "private", "private")
    other = user.project("other")
    user.add_source(other, "private", "internal")  # another project, same name, same domain
    user.run("publish", "--build", "-r", "private", cwd=lib)
    assert standin.state.uploads == ["private", "private"]
    assert len(list(standin.repos["private"].root.glob("acme_lib-*"))) == 2
    assert not list(standin.repos["internal"].root.glob("acme_lib-*"))


def test_a_teammates_fresh_clone_publishes_to_the_source(user: User, standin: StandIn, tmp_path: Path) -> None:
    lib = user.project("acme-lib", package=True)
    user.add_source(lib, "private", "private", "--no-login")
    mate = User(tmp_path / "teammate", standin)  # another machine: nothing in Poetry's config
    clone = mate.root / "acme-lib"
    shutil.copytree(lib, clone)
    result = mate.run("publish", "--build", "-r", "private", cwd=clone)
    assert "Publishing acme-lib (0.1.0) to private" in result.out
    assert standin.state.uploads == ["private", "private"]
    assert standin.token_calls() == 1


def test_the_users_own_repository_keeps_its_credential_and_never_gets_a_token(
    user: User, standin: StandIn, own_server: OwnServer
) -> None:
    user.run("config", "repositories.private", own_server.url + "/legacy/")
    user.run("config", "http-basic.private", "me", "my-password")
    auth = (user.config_dir / "auth.toml").read_bytes()
    lib = user.project("acme-lib", package=True)
    user.add_source(lib, "private", "private")
    user.lock(lib)
    published = user.run("publish", "--build", "-r", "private", cwd=lib)
    assert (f"repositories.private of your Poetry config ({own_server.url}/legacy/) and your credential for it are "
            "not used here") in published.err
    assert standin.state.uploads == ["private", "private"]
    assert own_server.requests == []  # neither the token nor the user's password went there
    assert (user.config_dir / "auth.toml").read_bytes() == auth
    # a project without that source publishes to the user's server with the user's password
    plain = user.project("plain-lib", package=True)
    user.run("publish", "--build", "-r", "private", cwd=plain)
    assert own_server.passwords() == ["my-password", "my-password"]


def test_a_host_only_the_project_vouches_for_gets_no_token(
    user: User, standin: StandIn, own_server: OwnServer
) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")  # a token for domain acme exists
    host = own_server.url.removeprefix("http://")
    pyproject = app / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("[[tool.poetry.source]]", f'[[tool.poetry.source]]\nname = "mirror"\nurl = '
                                      f'"{own_server.url}/pypi/private/simple/"\npriority = "primary"\n\n'
                                      "[[tool.poetry.source]]", 1)
        + '\n[tool.poetry-codeartifact.sources.mirror]\ndomain = "acme"\ndomain-owner = "111122223333"\n'
          'region = "eu-west-1"\n'
    )
    user.add_dependency(app, "acme-utils")
    calls = standin.token_calls()
    result = user.lock(app)
    assert any(method == "GET" for method, _, _ in own_server.requests)  # Poetry did ask that host
    assert own_server.passwords() == [None] * len(own_server.requests)  # but never with a token
    assert f"{host} is not one of CodeArtifact's own hosts" in result.err
    assert f"POETRY_CODEARTIFACT_TRUSTED_HOSTS={host}" in result.err
    assert standin.token_calls() == calls
    login = user.run("codeartifact", "login", "mirror", cwd=app, check=False)
    assert login.code == 1
    assert own_server.passwords() == [None] * len(own_server.requests)


def test_each_domain_gets_only_its_own_token(user: User, standin: StandIn) -> None:
    make_wheel(standin.repos["shared"].root, "tools-lib", "1.0.0")
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_source(app, "shared", "shared", "--no-login", "--priority", "supplemental")
    user.add_dependency(app, "acme-utils")
    user.add_dependency(app, "tools-lib")
    user.lock(app)
    user.run("install", cwd=app)
    assert standin.state.token_calls == {"acme": 1, "tools": 1}
    assert {repo for repo, _ in standin.state.seen} == {"private", "shared"}
    assert only_own_tokens(standin)
    assert standin.state.unauthorized == 0
