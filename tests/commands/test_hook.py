"""The refresh hook inside an in-process Poetry (the end-to-end tests cover real processes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_codeartifact.refresh import Refresher
from tests.support.app import run
from tests.support.imports import heavy, loaded
from tools.standin import TOKEN_PREFIX
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tools.standin import StandIn


@pytest.mark.usefixtures("three_sources")
def test_lock_refreshes_once_per_domain(standin: StandIn) -> None:
    result = run("lock")
    assert result.code == 0, result.text
    assert standin.state.token_calls == {"acme": 1, "tools": 1}
    assert run("lock").code == 0
    assert standin.token_calls() == 2
    assert TOKEN_PREFIX not in result.text


def test_a_valid_token_costs_no_aws_import_in_a_fresh_process(three_sources: Path, standin: StandIn) -> None:
    """With valid tokens the hook only reads files: no boto3, botocore or keyring is loaded
    (issue 5: the plugin stays cheap until a token is due)."""
    assert run("lock").code == 0  # the tokens are fetched and stored here
    calls = standin.token_calls()
    with_plugin = loaded("plugin", "lock", cwd=str(three_sources))
    plain = loaded("plain", "lock", cwd=str(three_sources))  # same lock, static credentials
    assert standin.token_calls() == calls
    assert "poetry_codeartifact.refresh" in with_plugin  # the hook did check the tokens
    assert heavy(with_plugin) <= heavy(plain), heavy(with_plugin) - heavy(plain)


@pytest.mark.usefixtures("three_sources")
def test_commands_that_need_no_index_are_left_alone(standin: StandIn) -> None:
    for args in ("--version", "config --list", "check", "show --help"):
        assert run(args).code == 0, args
    assert standin.token_calls() == 0


def test_auto_refresh_off(three_sources: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    make_wheel(standin.repos["private"].root, "acme-utils", "0.1.0")
    pyproject = three_sources / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.poetry.dependencies]\n",
                                                       '[tool.poetry.dependencies]\nacme-utils = "*"\n', 1))
    assert run("codeartifact login").code == 0
    calls, seen = standin.token_calls(), len(standin.state.seen)
    standin.expire_all()  # due by the server's clock; the plugin's record says valid
    monkeypatch.setenv("POETRY_CODEARTIFACT_AUTO_REFRESH", "false")
    result = run("lock")
    assert standin.token_calls() == calls  # nothing fetched
    assert len(standin.state.seen) > seen  # but the plugin was active and sent the stored tokens
    assert "automatic refresh is off" in result.err


@pytest.mark.usefixtures("three_sources", "standin")
def test_an_unexpected_error_of_ours_is_a_warning_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_self: Refresher, *_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug in the plugin")

    monkeypatch.setattr(Refresher, "ensure", broken)
    result = run("lock")
    assert result.code == 0, result.text
    assert "could not check the CodeArtifact tokens (RuntimeError)" in result.err
    assert "Traceback" not in result.text


@pytest.mark.usefixtures("three_sources")
def test_an_explained_failure_stops_the_command(standin: StandIn) -> None:
    standin.inject("AccessDeniedException", count=10)
    result = run("lock")
    assert result.code == 1
    assert "AWS denied access" in result.err
    assert "codeartifact:GetAuthorizationToken" in result.err
    assert "Traceback" not in result.text
