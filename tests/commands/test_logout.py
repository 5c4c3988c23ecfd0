"""``poetry codeartifact logout`` (commands/logout.py)
through an in-process Poetry, with real boto3 against the stand-in."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support.app import run, snapshot
from tests.support.keyrings import UndeletableKeyring

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from keyring.backend import KeyringBackend


@pytest.mark.usefixtures("standin")
def test_logout_removes_credentials_and_state_but_not_the_project(three_sources: Path, poetry_config_dir: Path) -> None:
    assert run("codeartifact login").code == 0
    pyproject = snapshot(three_sources / "pyproject.toml")
    result = run("codeartifact logout private shared")
    assert result.code == 0, result.text
    assert result.out.splitlines() == [
        "private: logged out of domain acme (owner 111122223333, region eu-west-1) (token removed from "
        "codeartifact-tokens.json)",
        "shared: logged out of domain tools (owner 444455556666, region us-east-1) (token removed from "
        "codeartifact-tokens.json)",
    ]
    assert json.loads((poetry_config_dir / "codeartifact-tokens.json").read_text())["tokens"] == {}
    assert json.loads((poetry_config_dir / "codeartifact-state.json").read_text())["tokens"] == {}
    assert snapshot(three_sources / "pyproject.toml") == pyproject
    again = run("codeartifact logout")
    assert again.code == 0
    assert "internal: logged out of domain acme (owner 111122223333, region eu-west-1) (no token was stored)" \
        in again.out


@pytest.mark.usefixtures("three_sources", "standin")
def test_logout_says_when_a_token_remains(use_keyring: Callable[[KeyringBackend], None]) -> None:
    backend = UndeletableKeyring()
    use_keyring(backend)
    assert run("codeartifact login private").code == 0
    assert backend.passwords  # stored in the keyring
    result = run("codeartifact logout private")
    assert result.code == 1
    assert "the token is still stored: PasswordDeleteError" in result.out
    assert "logged out of domain acme" in result.out
    assert "Could not remove the token of 'private'" in result.err
    assert backend.passwords  # nothing claimed that did not happen
