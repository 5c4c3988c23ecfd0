"""``poetry codeartifact token`` (commands/token.py)
through an in-process Poetry, with real boto3 against the stand-in."""

from __future__ import annotations

import time

import pytest

from poetry_codeartifact.commands.token import TokenCommand
from tests.support.app import run
from tools.standin import TOKEN_PREFIX, StandIn


@pytest.mark.usefixtures("three_sources")
def test_token_prints_only_the_token_and_refreshes_when_due(standin: StandIn) -> None:
    result = run("codeartifact token private")
    assert result.code == 0, result.text
    token = result.out.strip()
    assert token.startswith(TOKEN_PREFIX)
    assert result.out == token + "\n"
    assert result.err == ""
    assert standin.token_calls() == 1
    assert run("codeartifact token private").out.strip() == token  # still valid: no refresh
    assert standin.token_calls() == 1
    standin.set_lifetime(1)
    assert run("codeartifact login private").code == 0

    time.sleep(1.2)
    fresh = run("codeartifact token private").out.strip()
    assert fresh.startswith(TOKEN_PREFIX)
    assert fresh != token
    assert standin.token_calls() == 3


@pytest.mark.usefixtures("three_sources")
def test_token_needs_a_name_when_domains_differ(standin: StandIn) -> None:
    result = run("codeartifact token")
    assert result.code == 1
    assert "more than one domain" in result.err
    assert standin.token_calls() == 0


@pytest.mark.usefixtures("three_sources")
def test_token_refuses_a_terminal_without_force(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TokenCommand, "stdout_is_terminal", lambda _self: True)
    result = run("codeartifact token private")
    assert result.code == 1
    assert "Refusing to print" in result.err
    assert result.out == ""
    assert standin.token_calls() == 0
    forced = run("codeartifact token private --force")
    assert forced.code == 0
    assert forced.out.startswith(TOKEN_PREFIX)
