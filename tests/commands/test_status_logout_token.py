"""``status``, ``logout`` and ``token`` through an in-process Poetry, with real boto3 against the stand-in."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pytest

from poetry_codeartifact.commands.token import TokenCommand
from tests.support.app import run, snapshot
from tests.support.keyrings import UndeletableKeyring
from tools.standin import TOKEN_PREFIX, StandIn

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from keyring.backend import KeyringBackend


def status_json() -> dict[str, list[dict[str, object]]]:
    result = run("codeartifact status --format json")
    assert result.code == 0, result.text
    assert TOKEN_PREFIX not in result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


@pytest.mark.usefixtures("three_sources")
def test_status_shows_every_source_and_makes_no_aws_call(standin: StandIn) -> None:
    assert run("codeartifact login private").code == 0
    calls = standin.token_calls()
    rows = {row["name"]: row for row in status_json()["sources"]}
    assert list(rows) == ["private", "internal", "shared"]
    private, internal = rows["private"], rows["internal"]
    assert (private["domain"], private["owner"], private["region"], private["repository"]) == (
        "acme", "111122223333", "eu-west-1", "private")
    assert private["credential"] == "codeartifact-tokens.json"
    assert "(in 11h 59m)" in str(private["expires"])
    assert internal == {**private, "name": "internal", "repository": "internal"}  # one domain, one token
    assert rows["shared"]["credential"] == "missing"
    assert rows["shared"]["expires"] == "missing"
    assert rows["shared"]["identity"] == "default chain"
    table = run("codeartifact status")
    assert table.code == 0
    assert "codeartifact-tokens.json" in table.out
    assert "missing" in table.out
    assert TOKEN_PREFIX not in table.text
    assert standin.token_calls() == calls


@pytest.mark.usefixtures("three_sources")
def test_status_marks_expired_tokens(standin: StandIn) -> None:
    standin.set_lifetime(1)
    assert run("codeartifact login private").code == 0

    time.sleep(1.2)
    assert {r["name"]: r["expires"] for r in status_json()["sources"]}["private"] == "expired"


def test_status_warns_about_dependency_confusion_and_missing_profiles(project: Path, standin: StandIn) -> None:
    url = standin.repo_url("private")
    assert run(f"codeartifact add-source private --url {url} --domain acme --domain-owner 111122223333 "
               "--region eu-west-1 --priority supplemental --profile ghost --no-login").code == 0
    text = (project / "pyproject.toml").read_text()
    broken = "https://acme-1234.d.codeartifact.eu-west-1.amazonaws.com/pypi/other/simple/"
    (project / "pyproject.toml").write_text(text + f'\n[[tool.poetry.source]]\nname = "odd"\nurl = "{broken}"\n'
                                           'priority = "explicit"\n')
    warnings = status_json()["warnings"]
    assert len(warnings) == 3, "\n".join(warnings)
    confusion, odd, profile = warnings
    assert "'private' is supplemental while PyPI is a primary index" in confusion
    assert "dependency confusion" in confusion
    assert "'odd'" in odd
    assert "looks like CodeArtifact" in odd
    assert "profile 'ghost'" in profile
    assert "aws configure --profile ghost" in profile
    table = run("codeartifact status")
    assert "dependency confusion" in table.err


@pytest.mark.usefixtures("poetry_config_dir")
def test_status_without_sources_outside_a_project(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("codeartifact status")
    assert result.code == 0
    assert "No CodeArtifact source" in result.out


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


@pytest.mark.usefixtures("monkeypatch")
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
