from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support.app import run, snapshot
from tools.standin import TOKEN_PREFIX, StandIn

if TYPE_CHECKING:
    from pathlib import Path

MAP = "--domain-owner 111122223333"


@pytest.mark.usefixtures("three_sources")
def test_login_all_makes_one_call_per_domain(poetry_config_dir: Path, standin: StandIn) -> None:
    result = run("codeartifact login")
    assert result.code == 0, result.text
    assert standin.token_calls("acme") == 1
    assert standin.token_calls("tools") == 1
    lines = result.out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["private", "internal", "shared"]
    assert all("expires" in line and "(in 11h 59m)" in line for line in lines)
    assert "acme/internal" in lines[1]
    assert "tools/shared" in lines[2]
    stored = json.loads((poetry_config_dir / "codeartifact-tokens.json").read_text())["tokens"]
    assert sorted(stored) == ["acme-111122223333@eu-west-1", "tools-444455556666@us-east-1"]
    assert TOKEN_PREFIX not in result.text


@pytest.mark.usefixtures("three_sources")
def test_login_named_and_forced(standin: StandIn) -> None:
    assert run("codeartifact login shared").code == 0
    assert run("codeartifact login shared").code == 0  # login always fetches now
    assert standin.token_calls("tools") == 2
    assert standin.token_calls("acme") == 0


@pytest.mark.usefixtures("three_sources")
def test_login_unknown_name_lists_known(standin: StandIn) -> None:
    result = run("codeartifact login nope")
    assert result.code == 1
    assert "'nope'" in result.err
    assert "internal, private, shared" in result.err
    assert standin.token_calls() == 0


@pytest.mark.usefixtures("three_sources")
def test_login_invalid_duration_and_profile(standin: StandIn) -> None:
    result = run("codeartifact login --duration 100")
    assert result.code == 1
    assert "--duration" in result.err
    assert "900 to 43200" in result.err
    result = run("codeartifact login --profile ghost")
    assert result.code == 1
    assert "profile 'ghost' does not exist" in result.err
    assert standin.token_calls() == 0


@pytest.mark.usefixtures("three_sources", "standin")
def test_login_duration_is_passed() -> None:
    result = run("codeartifact login private --duration 900")
    assert result.code == 0
    assert "(in 14m)" in result.out or "(in 15m)" in result.out


def test_login_outside_project_uses_poetry_config(
    tmp_path: Path, poetry_config_dir: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    poetry_config_dir.mkdir(parents=True, exist_ok=True)
    url = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/"
    (poetry_config_dir / "config.toml").write_text(f'[repositories.upload]\nurl = "{url}"\n')
    monkeypatch.chdir(tmp_path)
    result = run("codeartifact login")
    assert result.code == 0, result.text
    assert result.out.startswith("upload: logged in to acme/private")
    assert standin.token_calls("acme") == 1


@pytest.mark.usefixtures("poetry_config_dir")
def test_login_with_nothing_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("codeartifact login")
    assert result.code == 1
    assert "No CodeArtifact source or repository was found" in result.err


@pytest.mark.usefixtures("three_sources")
@pytest.mark.parametrize("verbosity", ["", "-v", "-vv"])
def test_failures_show_no_traceback_below_debug(standin: StandIn, verbosity: str) -> None:
    standin.inject("AccessDeniedException")
    result = run(f"codeartifact login private {verbosity}")
    assert result.code == 1
    assert "Traceback" not in result.text
    assert "codeartifact:GetAuthorizationToken" in result.err


def test_debug_shows_the_cause_traceback(three_sources: Path, standin: StandIn, poetry_config_dir: Path) -> None:
    standin.inject("AccessDeniedException")
    before = snapshot(three_sources, poetry_config_dir)
    result = run("codeartifact login private -vvv")
    assert result.code == 1
    assert "Traceback" in result.err
    assert "AccessDeniedException" in result.err
    assert snapshot(three_sources, poetry_config_dir) == before
