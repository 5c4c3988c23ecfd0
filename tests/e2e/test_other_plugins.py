"""Commands of other plugins and ``poetry self`` read CodeArtifact indexes through Poetry too,
and find a token the server accepts: poetry-plugin-up's ``up`` and poetry-plugin-export's
``export`` (bundled with Poetry 1.8, a separate plugin on 2.x), installed next to this plugin in
Poetry's environment, and ``self add`` from Poetry's own CodeArtifact source."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.user import WHEELHOUSE, WITH_OTHER_PLUGINS, User
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from tools.standin import StandIn

@pytest.fixture
def app(user: User, standin: StandIn) -> Path:
    """acme-utils 0.1.0 locked and installed; then 0.2.0 is published and the token expires."""
    if not WITH_OTHER_PLUGINS:
        pytest.skip("run through tools/test.py")
    user.poetry = WITH_OTHER_PLUGINS
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.run("add", "acme-utils@^0.1.0", cwd=app)
    make_wheel(standin.repos["private"].root, "acme-utils", "0.2.0")
    user.expire_tokens(app, "private")
    return app


def test_poetry_up_latest(user: User, standin: StandIn, app: Path) -> None:
    calls, unauthorized = standin.token_calls(), standin.state.unauthorized
    result = user.run("up", "--latest", "-vvv", cwd=app)  # the leak detector reads debug output too
    assert "Authorization error" not in result.text
    assert 'acme-utils = "^0.2.0"' in (app / "pyproject.toml").read_text() or \
        '"acme-utils (>=0.2.0,<0.3.0)"' in (app / "pyproject.toml").read_text()
    assert 'version = "0.2.0"' in (app / "poetry.lock").read_text()
    assert standin.token_calls() == calls + 1
    assert standin.state.unauthorized == unauthorized  # the expired token was never sent


def test_export_with_credentials_writes_a_token_that_works(user: User, standin: StandIn, app: Path) -> None:
    calls, unauthorized = standin.token_calls(), standin.state.unauthorized
    user.run("export", "--with-credentials", "-f", "requirements.txt", "-o", "requirements.txt", cwd=app,
             writes_credentials_to=(app / "requirements.txt",))
    requirements = (app / "requirements.txt").read_text()
    assert "acme-utils==0.1.0" in requirements
    token = requirements.split("aws:", 1)[1].split("@", 1)[0]
    assert standin.token_valid_for(token, "acme")  # not the expired one: pip can install with it
    assert standin.token_calls() == calls + 1
    assert standin.state.unauthorized == unauthorized  # the expired token was never sent


@pytest.mark.skipif(not WHEELHOUSE, reason="run through tools/test.py")
def test_self_add_from_a_codeartifact_source(user: User, standin: StandIn) -> None:
    """Poetry's own environment with CodeArtifact as its only primary source (a repository with
    PyPI as its upstream: it serves Poetry's dependencies too), mapped in the user's own
    codeartifact.toml because Poetry rewrites its system pyproject.toml and keeps only sources."""
    internal = standin.repos["internal"].root
    linked = [internal / wheel.name for wheel in Path(WHEELHOUSE).glob("*.whl")]
    for link in linked:
        link.symlink_to(Path(WHEELHOUSE) / link.name)
    try:
        make_wheel(internal, "acme-plugin-helper", "1.0.0")
        user.config_dir.mkdir(parents=True, exist_ok=True)
        (user.config_dir / "pyproject.toml").write_text(
            f'[[tool.poetry.source]]\nname = "corp"\nurl = "{standin.repo_url("internal")}simple/"\n'
            'priority = "primary"\n'
        )
        (user.config_dir / "codeartifact.toml").write_text(
            '[sources.corp]\ndomain = "acme"\ndomain-owner = "111122223333"\nregion = "eu-west-1"\n'
        )
        result = user.run("self", "add", "--dry-run", "acme-plugin-helper", "-vvv")
        assert "Installing acme-plugin-helper (1.0.0)" in result.out
        assert standin.token_calls() == 1  # fetched by the hook: nobody logged in
        assert standin.state.unauthorized == 0
    finally:
        for link in linked:
            link.unlink(missing_ok=True)
        (internal / "acme_plugin_helper-1.0.0-py3-none-any.whl").unlink(missing_ok=True)
