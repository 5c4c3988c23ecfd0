"""``poetry codeartifact status`` (commands/status.py)
through an in-process Poetry, with real boto3 against the stand-in."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.support.app import run, status_json
from tools.standin import TOKEN_PREFIX, StandIn

if TYPE_CHECKING:
    from pathlib import Path



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


@pytest.mark.usefixtures("three_sources")
def test_format_table_still_means_the_text_output() -> None:
    """0.1.0 called the text output `--format table`; scripts that pass it keep working."""
    text = run("codeartifact status")
    table = run("codeartifact status --format table")
    assert table.code == 0, table.text
    assert table.out == text.out
    assert "private (source, primary)" in table.out
    wrong = run("codeartifact status --format yaml")
    assert wrong.code == 1
    assert "--format" in wrong.err
