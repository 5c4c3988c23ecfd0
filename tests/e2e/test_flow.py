"""Issue 3's scenarios through a real Poetry (1.8.5 or 2.x, as tools/test.py selects), real
boto3 over HTTP and pypiserver behind the local CodeArtifact stand-in."""

from __future__ import annotations

import json
import shutil
import stat

from tests.support.user import BASELINE, User
from tools.standin import TOKEN_PREFIX, StandIn


def app_with_source(user: User, *extra: str):  # type: ignore[no-untyped-def]
    app = user.project("app")
    user.add_source(app, "private", "private", *extra)
    return app


def test_add_source_then_add_private_package(user: User, standin: StandIn) -> None:
    app = app_with_source(user)
    user.run("add", "acme-utils", cwd=app)
    lock = (app / "poetry.lock").read_text()
    assert 'name = "acme-utils"' in lock
    assert standin.repo_url("private") in lock
    installed = user.run("run", "python", "-c", "import acme_utils; print(acme_utils.__version__)", cwd=app)
    assert installed.out.strip() == "0.1.0"
    assert standin.token_calls() == 1  # add-source logged in; `poetry add` reused the token
    assert stat.S_IMODE((user.config_dir / "codeartifact-tokens.json").stat().st_mode) == 0o600
    assert user.files_with_tokens() == []  # not pyproject.toml, auth.toml, the lock file or our state
    # the token reaches no child process's environment (nothing put in os.environ)
    env = user.run("run", "python", "-c", "import os; print(dict(os.environ))", cwd=app)
    assert "POETRY_HTTP_BASIC" not in env.out


def test_publish_then_update(user: User, standin: StandIn) -> None:
    lib = user.project("acme-utils", package=True)
    user.add_source(lib, "private", "private")
    toml = (lib / "pyproject.toml").read_text()
    (lib / "pyproject.toml").write_text(toml.replace('version = "0.1.0"', 'version = "0.2.0"'))
    published = user.run("publish", "--build", "-r", "private", cwd=lib)
    assert "Publishing acme-utils (0.2.0) to private" in published.out
    assert standin.state.uploads == ["private", "private"]  # sdist and wheel
    assert {p.name for p in standin.repos["private"].root.glob("acme_utils-0.2.0*")} == {
        "acme_utils-0.2.0.tar.gz", "acme_utils-0.2.0-py3-none-any.whl"}

    app = user.project("app")
    user.add_source(app, "private", "private")
    user.run("add", "acme-utils==0.1.0", cwd=app)
    pyproject = app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('acme-utils = "0.1.0"', 'acme-utils = "*"').replace(
        '"acme-utils (==0.1.0)"', '"acme-utils"'))
    user.run("update", cwd=app)
    version = user.run("run", "python", "-c", "import importlib.metadata as m; print(m.version('acme-utils'))", cwd=app)
    assert version.out.strip() == "0.2.0"
    assert standin.token_calls() == 1  # lib and app are on one machine: the second add-source
    # finds the domain's token valid, whatever the project calls its source


def test_expired_token_is_refreshed_by_install_lock_and_publish(user: User, standin: StandIn) -> None:
    lib = user.project("acme-utils", package=True)
    user.add_source(lib, "private", "private")
    user.run("add", "acme-utils", cwd=lib, check=False)  # a package cannot depend on itself: ignore
    app = app_with_source(user)
    user.run("add", "acme-utils", cwd=app)
    (app / ".venv").rename(app / ".venv-old")  # make install do real work against the index
    shutil.rmtree(user.root / "poetry-cache")  # and download again

    for command in (("install",), ("lock",), ("publish", "--build", "-r", "private")):
        cwd = lib if command[0] == "publish" else app
        if command[0] == "publish":
            toml = (lib / "pyproject.toml").read_text()
            (lib / "pyproject.toml").write_text(toml.replace('version = "0.1.0"', 'version = "0.3.0"'))
        user.expire_tokens(cwd, "private")
        calls = standin.token_calls()
        unauthorized = standin.state.unauthorized
        args = user.lock_args if command == ("lock",) else command
        result = user.run(*args, "-vvv", cwd=cwd)
        assert standin.token_calls() == calls + 1, result
        assert standin.state.unauthorized == unauthorized  # never sent the dead token
        assert "token fetched" in result.err
    assert "acme_utils-0.3.0-py3-none-any.whl" in {p.name for p in standin.repos["private"].root.iterdir()}


def test_valid_token_means_zero_calls_for_ten_commands(user: User, standin: StandIn) -> None:
    app = app_with_source(user)
    user.run("add", "acme-utils", cwd=app)
    calls = standin.token_calls()
    lock = user.lock_args
    for args in (("install",), lock, ("update",), ("install",), ("show",), lock, ("install", "--dry-run"),
                 ("update", "--dry-run"), ("check",), ("install",)):
        user.run(*args, cwd=app)
    assert standin.token_calls() == calls


def test_one_call_per_domain(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_source(app, "internal", "internal", "--no-login", "--priority", "supplemental")
    user.add_source(app, "shared", "shared", "--no-login", "--priority", "supplemental")
    assert standin.token_calls() == 0
    user.lock(app)
    assert standin.state.token_calls == {"acme": 1, "tools": 1}
    stored = json.loads((user.config_dir / "codeartifact-tokens.json").read_text())["tokens"]
    assert sorted(stored) == ["acme-111122223333@eu-west-1", "tools-444455556666@us-east-1"]
    assert not (user.config_dir / "auth.toml").exists()  # Poetry's http-basic is left alone


def test_no_credentials_is_a_clear_error(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    before = (app / "pyproject.toml").read_bytes()
    result = user.run("install", cwd=app, check=False, drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    assert result.code != 0
    assert "no AWS credentials were found" in result.err
    assert "'private'" in result.err
    assert "Traceback" not in result.text
    assert (app / "pyproject.toml").read_bytes() == before
    assert standin.token_calls() == 0


def test_commands_without_an_index_make_no_call_and_match_plain_poetry(user: User, standin: StandIn) -> None:
    app = user.project("app", package=True)
    user.add_source(app, "private", "private", "--no-login")  # no token at all: any refresh would call
    outside = user.root / "outside"
    outside.mkdir()
    runs = [
        (("--version",), outside), (("--version",), app), (("config", "--list"), outside), (("config", "--list"), app),
        (("check",), app), (("build",), app), (("new", "fresh"), outside), (("list",), outside),
    ]
    for args, cwd in runs:
        ours = user.run(*args, cwd=cwd)
        if BASELINE and args not in (("list",), ("new", "fresh")):
            plain = user.run(*args, cwd=cwd, program=BASELINE)
            assert (ours.code, ours.out) == (plain.code, plain.out), (ours, plain)
    assert standin.token_calls() == 0
    assert standin.state.endpoint_calls == 0


def test_auto_refresh_can_be_turned_off(user: User, standin: StandIn) -> None:
    off = {"POETRY_CODEARTIFACT_AUTO_REFRESH": "false"}
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_dependency(app, "acme-utils")
    nothing_stored = user.lock(app, check=False, env=off)
    assert nothing_stored.code != 0  # no token, and none fetched
    assert standin.token_calls() == 0
    user.run("codeartifact", "login", cwd=app)
    user.lock(app, env=off)  # the stored token is handed over as it is: the plugin is active
    assert ("private", "acme") in standin.state.seen
    standin.revoke_all()
    rejected = user.run("update", cwd=app, env=off, check=False)
    assert "Run `poetry codeartifact login` (automatic refresh is off)" in rejected.err
    assert standin.token_calls() == 1  # login's, and no other
    assert TOKEN_PREFIX not in rejected.text
