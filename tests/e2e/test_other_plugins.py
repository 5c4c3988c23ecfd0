"""Commands of other plugins read CodeArtifact indexes through Poetry too, and find a token the
server accepts: poetry-plugin-up's ``up`` and poetry-plugin-export's ``export`` (bundled with
Poetry 1.8, a separate plugin on 2.x), installed next to this plugin in Poetry's environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.user import WITH_OTHER_PLUGINS, User
from tests.support.wheels import make_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tools.standin import StandIn

pytestmark = pytest.mark.skipif(not WITH_OTHER_PLUGINS, reason="run through tools/test.py")


@pytest.fixture
def app(user: User, standin: StandIn) -> Path:
    """acme-utils 0.1.0 locked and installed; then 0.2.0 is published and the token expires."""
    user.poetry = WITH_OTHER_PLUGINS
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.run("add", "acme-utils@^0.1.0", cwd=app)
    make_wheel(standin.repos["private"].root, "acme-utils", "0.2.0")
    user.expire_tokens(app, "private")
    return app


def test_poetry_up_latest(user: User, standin: StandIn, app: Path) -> None:
    calls, unauthorized = standin.token_calls(), standin.state.unauthorized
    result = user.run("up", "--latest", cwd=app)
    assert "Authorization error" not in result.text
    assert 'acme-utils = "^0.2.0"' in (app / "pyproject.toml").read_text() or \
        '"acme-utils (>=0.2.0,<0.3.0)"' in (app / "pyproject.toml").read_text()
    assert 'version = "0.2.0"' in (app / "poetry.lock").read_text()
    assert standin.token_calls() == calls + 1
    assert standin.state.unauthorized == unauthorized  # the expired token was never sent


def test_export_with_credentials_writes_a_token_that_works(user: User, standin: StandIn, app: Path) -> None:
    calls = standin.token_calls()
    user.run("export", "--with-credentials", "-f", "requirements.txt", "-o", "requirements.txt", cwd=app)
    requirements = (app / "requirements.txt").read_text()
    token = requirements.split("aws:", 1)[1].split("@", 1)[0]
    assert standin.token_valid_for(token, "acme")  # not the expired one: pip can install with it
    assert standin.token_calls() == calls + 1
