"""``poetry codeartifact login`` (commands/login.py) through an in-process Poetry, with real boto3 against the
stand-in: one call per domain, options, CI modes (memory store, pipeline tokens) and roles."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support.app import run, snapshot, status_json
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


@pytest.mark.usefixtures("three_sources")
def test_login_value_that_starts_with_a_dash_names_the_rule(standin: StandIn) -> None:
    """cleo reads `--duration -1` as an option without a value; the message names the value and rule."""
    result = run("codeartifact login --duration -1")
    assert result.code == 1
    assert "Invalid --duration '-1': a token duration is 0 (as long as the AWS session) or 900 to 43200" in result.err
    assert "requires a value" not in result.err
    result = run("codeartifact login --profile -dev")
    assert result.code == 1
    assert "Invalid --profile '-dev': a value that starts with \"-\" reads as another option. " \
        "Write it as --profile=-dev." in result.err
    result = run("codeartifact login --profile")  # no value at all: cleo's own message is true
    assert result.code == 1
    assert 'The "--profile" option requires a value' in result.err
    assert standin.token_calls() == 0


@pytest.mark.usefixtures("three_sources")
def test_login_duration_is_passed(standin: StandIn) -> None:
    result = run("codeartifact login private --duration 900")
    assert result.code == 0
    assert standin.state.durations == [900]  # what AWS was asked for, not just what it gave
    assert "(in 14m)" in result.out or "(in 15m)" in result.out  # 900 s, shown rounded down after a moment


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


@pytest.mark.usefixtures("three_sources")
def test_memory_store_writes_nothing(poetry_config_dir: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_STORE", "memory")
    before = snapshot(poetry_config_dir)
    result = run("codeartifact login")
    assert result.code == 0, result.text
    assert "(token in memory)" in result.out
    assert snapshot(poetry_config_dir) == before
    assert not (poetry_config_dir / "auth.toml").exists()
    assert not (poetry_config_dir / "codeartifact-state.json").exists()
    assert standin.token_calls() == 2


@pytest.mark.usefixtures("three_sources")
def test_invalid_store_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_STORE", "disk")
    result = run("codeartifact login")
    assert result.code == 1
    assert "POETRY_CODEARTIFACT_STORE" in result.err
    assert "memory" in result.err


@pytest.mark.usefixtures("three_sources")
def test_pipeline_token_is_used_without_aws(poetry_config_dir: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEARTIFACT_AUTH_TOKEN", "pipeline-token-value")
    result = run("codeartifact login")
    assert result.code == 0
    assert "CODEARTIFACT_AUTH_TOKEN" in result.out
    assert "pipeline-token-value" not in result.text
    assert run("codeartifact token shared").out == "pipeline-token-value\n"
    assert standin.token_calls() == 0
    assert not (poetry_config_dir / "auth.toml").exists()
    rows = status_json()["sources"]
    assert {r["credential"] for r in rows} == {"environment (CODEARTIFACT_AUTH_TOKEN)"}


def test_role_is_assumed_once_per_run(project: Path, standin: StandIn) -> None:
    for name, repo in (("private", "private"), ("internal", "internal")):
        assert run(f"codeartifact add-source {name} --url {standin.repo_url(repo)} --domain acme "
                   "--domain-owner 111122223333 --region eu-west-1 --no-login").code == 0
    text = (project / "pyproject.toml").read_text()
    arn = "arn:aws:iam::111122223333:role/ci-packages"
    text = text.replace('region = "eu-west-1"\n', f'region = "eu-west-1"\nrole-arn = "{arn}"\nexternal-id = "x-42"\n')
    (project / "pyproject.toml").write_text(text)
    assert run("codeartifact login").code == 0
    assert standin.state.assume_role_calls == 1
    assert standin.state.token_callers == ["ASIASTANDINROLE"]  # the token was fetched as the role
    rows = status_json()["sources"]
    assert rows[0]["identity"] == f"role {arn}"


@pytest.mark.usefixtures("three_sources")
def test_login_role_arn_option_and_validation(standin: StandIn) -> None:
    bad = run("codeartifact login private --role-arn arn:aws:iam::12:role/x")
    assert bad.code == 1
    assert "--role-arn" in bad.err
    assert "12-digit" in bad.err
    orphan = run("codeartifact login private --external-id abc")
    assert orphan.code == 1
    assert "--external-id" in orphan.err
    assert standin.token_calls() == 0
    good = run("codeartifact login private --role-arn arn:aws:iam::111122223333:role/deploy")
    assert good.code == 0, good.text
    assert standin.state.assume_role_calls == 1
    assert standin.state.token_callers == ["ASIASTANDINROLE"]


@pytest.mark.usefixtures("three_sources")
def test_role_refused_by_sts_is_explained(standin: StandIn) -> None:
    standin.inject("AccessDenied", service="sts")
    result = run("codeartifact login private --role-arn arn:aws:iam::111122223333:role/deploy")
    assert result.code == 1
    assert "sts:AssumeRole on arn:aws:iam::111122223333:role/deploy" in result.err
    assert "Traceback" not in result.text


def test_malformed_role_table_names_the_key(three_sources: Path) -> None:
    text = (three_sources / "pyproject.toml").read_text()
    (three_sources / "pyproject.toml").write_text(text.replace('region = "eu-west-1"\n',
                                                               'region = "eu-west-1"\nexternal-id = "abc"\n', 1))
    result = run("codeartifact status")
    assert result.code == 1
    assert "external-id" in result.err
    assert "role-arn" in result.err
