from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import tomlkit

from tests.support.app import PYPROJECT, run, snapshot
from tools.standin import TOKEN_PREFIX, StandIn

if TYPE_CHECKING:
    from pathlib import Path

STANDARD = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/"
MAP = "--domain acme --domain-owner 111122223333 --region eu-west-1"


def config_of(config_dir: Path, name: str) -> dict:  # type: ignore[type-arg]
    path = config_dir / name
    return tomlkit.parse(path.read_text()).unwrap() if path.exists() else {}


def test_standard_url_writes_source_repository_and_token(
    project: Path, poetry_config_dir: Path, standin: StandIn
) -> None:
    result = run(f"codeartifact add-source private --url {STANDARD}simple/")
    assert result.code == 0, result.text
    doc = tomlkit.parse((project / "pyproject.toml").read_text())
    assert doc["tool"]["poetry"]["source"][0].unwrap() == {
        "name": "private", "url": STANDARD + "simple/", "priority": "primary"
    }
    assert "poetry-codeartifact" not in doc["tool"]  # a standard URL needs no mapping
    added = f'[[tool.poetry.source]]\nname = "private"\nurl = "{STANDARD}simple/"\npriority = "primary"\n\n'
    assert (project / "pyproject.toml").read_text().replace(added, "") == PYPROJECT
    assert "repositories" not in config_of(poetry_config_dir, "config.toml")  # nothing global: see publish
    assert "http-basic" not in config_of(poetry_config_dir, "auth.toml")
    stored = json.loads((poetry_config_dir / "codeartifact-tokens.json").read_text())["tokens"]
    assert list(stored) == ["acme-111122223333@eu-west-1"]
    assert stored["acme-111122223333@eu-west-1"].startswith(TOKEN_PREFIX)
    assert standin.token_calls("acme") == 1
    assert "acme/private" in result.out
    assert "(in 11h 59m)" in result.out
    assert TOKEN_PREFIX not in result.text


@pytest.mark.usefixtures("poetry_config_dir")
def test_domain_and_repository_look_the_url_up(
    project: Path, standin: StandIn, tmp_path: Path
) -> None:
    (tmp_path / "aws" / "config").write_text("[profile ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = s\n")
    result = run("codeartifact add-source private --domain acme --repository private "
                 "--domain-owner 111122223333 --region eu-west-1 --profile ci --duration 3600")
    assert result.code == 0, result.text
    doc = tomlkit.parse((project / "pyproject.toml").read_text()).unwrap()
    assert doc["tool"]["poetry"]["source"][0]["url"] == standin.repo_url("private") + "simple/"
    assert doc["tool"]["poetry-codeartifact"]["sources"]["private"] == {
        "domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1", "profile": "ci", "duration": 3600,
    }
    assert standin.state.endpoint_calls == 1
    assert standin.token_calls() == 1


@pytest.mark.usefixtures("standin")
def test_explicit_profile_missing_is_an_error(project: Path) -> None:
    before = snapshot(project)
    result = run(f"codeartifact add-source private --url {STANDARD} --profile nosuch")
    assert result.code == 1
    assert "profile 'nosuch' does not exist" in result.err
    assert snapshot(project) == before


@pytest.mark.usefixtures("project", "standin")
def test_lookup_without_owner_needs_the_owner() -> None:
    result = run("codeartifact add-source private --domain acme --repository private --region eu-west-1")
    assert result.code == 1
    assert "--domain-owner" in result.err
    assert "12-digit" in result.err


def test_mapped_url_and_no_login(project: Path, poetry_config_dir: Path, standin: StandIn) -> None:
    result = run(f"codeartifact add-source local --url {standin.repo_url('internal')} {MAP} --no-login "
                 "--priority explicit")
    assert result.code == 0, result.text
    doc = tomlkit.parse((project / "pyproject.toml").read_text()).unwrap()
    assert doc["tool"]["poetry"]["source"][0] == {
        "name": "local", "url": standin.repo_url("internal") + "simple/", "priority": "explicit"
    }
    assert doc["tool"]["poetry-codeartifact"]["sources"]["local"]["domain"] == "acme"
    assert standin.token_calls() == 0
    assert "http-basic" not in config_of(poetry_config_dir, "auth.toml")


def test_update_existing_source_in_place(project: Path, standin: StandIn) -> None:
    assert run(f"codeartifact add-source local --url {standin.repo_url('internal')} {MAP} --no-login").code == 0
    first = (project / "pyproject.toml").read_text()
    assert run(f"codeartifact add-source local --url {standin.repo_url('private')} {MAP} --no-login").code == 0
    second = (project / "pyproject.toml").read_text()
    assert second == first.replace("/pypi/internal/", "/pypi/private/")


@pytest.mark.usefixtures("project", "standin")
def test_supplemental_warns_about_dependency_confusion() -> None:
    result = run(f"codeartifact add-source private --url {STANDARD} --priority supplemental --no-login")
    assert result.code == 0
    assert "dependency confusion" in result.err


@pytest.mark.parametrize(
    ("args", "field", "rule"),
    [
        ("private.x --url " + STANDARD, "NAME", "letters, digits"),
        ("pypi --url " + STANDARD, "NAME", "reserved"),
        ("private --url ftp://x/", "--url", "absolute http(s) URL"),
        ("private --url http://127.0.0.1:1/pypi/r/", "--url", "Also pass --domain, --domain-owner, --region"),
        ("private --url http://127.0.0.1:1/pypi/r/ --domain Acme --domain-owner 111122223333 --region eu-west-1",
         "--domain", "2 to 50 characters"),
        ("private --url http://127.0.0.1:1/pypi/r/ --domain acme --domain-owner 1234 --region eu-west-1",
         "--domain-owner", "12-digit"),
        ("private --url http://127.0.0.1:1/pypi/r/ --domain acme --domain-owner 111122223333 --region europe",
         "--region", "eu-west-1"),
        ("private --domain acme --repository r", "--repository", "2 to 100 characters"),
        ("private --url " + STANDARD + " --priority secondary", "--priority", "one of primary, supplemental, explicit"),
        ("private --url " + STANDARD + " --duration 600", "--duration", "900 to 43200"),
        ("private --url " + STANDARD + " --domain other", "--domain", "the URL says 'acme'"),
        ("private --url " + STANDARD + " --profile ''", "--profile", "without spaces or control characters"),
        ("private --url " + STANDARD + " --profile 'my dev'", "--profile", "without spaces or control characters"),
        ("private --url '" + STANDARD + " simple/'", "--url", "no spaces, line breaks or other control"),
        ("private --url " + STANDARD.replace("https://", "https://me:hunter2@"), "--url", "must not hold credentials"),
        ("private", "", "either --url URL, or --domain DOMAIN --repository REPOSITORY"),
        ("private --url '" + STANDARD + "?x=1' " + MAP, "--url", "no query (?...) or fragment"),
        ("private --url '" + STANDARD + "#frag' " + MAP, "--url", "no query (?...) or fragment"),
        ("private --url '" + STANDARD + "?'", "--url", "Remove everything from the '?' or '#' on"),
    ],
)
def test_invalid_input_changes_nothing(
    project: Path, poetry_config_dir: Path, standin: StandIn, args: str, field: str, rule: str
) -> None:
    poetry_config_dir.mkdir(parents=True, exist_ok=True)
    (poetry_config_dir / "config.toml").write_text('[repositories.other]\nurl = "https://x/"\n')
    before = snapshot(project, poetry_config_dir)
    result = run(f"codeartifact add-source {args}")
    assert result.code == 1, result.text
    assert field in result.err, result.err
    assert rule in result.err, result.err
    assert "Traceback" not in result.text
    assert "hunter2" not in result.text  # a password in a URL is never echoed
    assert snapshot(project, poetry_config_dir) == before
    assert standin.token_calls() == 0


@pytest.mark.parametrize("fault", ["AccessDeniedException", "ResourceNotFoundException"])
def test_aws_failure_changes_nothing(project: Path, poetry_config_dir: Path, standin: StandIn, fault: str) -> None:
    standin.inject(fault)
    before = snapshot(project, poetry_config_dir)
    result = run(f"codeartifact add-source private --url {STANDARD}")
    assert result.code == 1
    assert "Could not get a CodeArtifact token for 'private' (domain acme (owner 111122223333" in result.err
    assert ("sts:GetServiceBearerToken" in result.err) == (fault == "AccessDeniedException")
    assert snapshot(project, poetry_config_dir) == before


@pytest.mark.usefixtures("poetry_config_dir")
def test_outside_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(f"codeartifact add-source private --url {STANDARD}")
    assert result.code == 1
    assert "needs a Poetry project" in result.err


@pytest.mark.usefixtures("project")
def test_a_valid_token_of_the_domain_serves_another_project(
    standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(f"codeartifact add-source private --url {STANDARD}").code == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(other)
    result = run(f"codeartifact add-source corp --url {STANDARD.replace('/private/', '/internal/')}")
    assert result.code == 0, result.text
    assert "Logged in to acme/internal" in result.out
    assert standin.token_calls("acme") == 1  # the domain's token, whatever the name
    assert run(f"codeartifact add-source corp --url {STANDARD} --duration 900").code == 0
    assert standin.token_calls("acme") == 2  # a token of its own was asked for


def test_a_host_nobody_trusts_is_not_logged_in(project: Path, standin: StandIn,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS")
    before = snapshot(project)
    result = run(f"codeartifact add-source local --url {standin.repo_url('internal')} {MAP}")
    assert result.code == 1
    assert "is not one of CodeArtifact's own hosts" in result.err
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS=127.0.0.1:" in result.err
    assert snapshot(project) == before
    assert standin.token_calls() == 0
    assert run(f"codeartifact add-source local --url {standin.repo_url('internal')} {MAP} --no-login").code == 0


@pytest.mark.parametrize(
    "layout",
    [
        'source = [{ name = "corp", url = "https://corp.example/simple/" }]\n',
        '\n[tool.poetry-codeartifact]\nsources.corp.domain = "acme"\nsources.corp.domain-owner = "111122223333"\n'
        'sources.corp.region = "eu-west-1"\nsources.corp.role-arn = "arn:aws:iam::111122223333:role/ci"\n',
        '\n[tool.poetry-codeartifact]\nsources = { corp = { domain = "acme", domain-owner = "111122223333", '
        'region = "eu-west-1" } }\n',
    ],
    ids=["inline-array", "dotted-keys", "inline-table"],
)
def test_odd_but_valid_layouts_stay_valid_and_keep_every_key(
    project: Path, standin: StandIn, layout: str
) -> None:
    path = project / "pyproject.toml"
    text = PYPROJECT.replace("package-mode = false\n", "package-mode = false\n" + layout) \
        if layout.startswith("source") else PYPROJECT + layout
    path.write_text(text)
    before = tomlkit.parse(text).unwrap()
    result = run(f"codeartifact add-source private --url {standin.repo_url('private')} {MAP}")
    assert result.code == 0, result.text
    after = tomlkit.parse(path.read_text()).unwrap()
    assert after["tool"]["poetry-codeartifact"]["sources"]["private"] == dict(
        domain="acme", **{"domain-owner": "111122223333"}, region="eu-west-1")
    del after["tool"]["poetry-codeartifact"]["sources"]["private"]
    after["tool"]["poetry"]["source"] = [s for s in after["tool"]["poetry"]["source"] if s["name"] != "private"]
    if not after["tool"]["poetry"]["source"]:
        del after["tool"]["poetry"]["source"]
    if not after["tool"]["poetry-codeartifact"]["sources"]:
        del after["tool"]["poetry-codeartifact"]
    assert after == before  # every other key, role-arn included, is still there
    assert run("check").code == 0  # and Poetry still reads the project


def test_a_crlf_file_stays_crlf(project: Path, standin: StandIn) -> None:
    path = project / "pyproject.toml"
    path.write_bytes(PYPROJECT.replace("\n", "\r\n").encode())
    assert run(f"codeartifact add-source private --url {standin.repo_url('private')} {MAP}").code == 0
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.startswith(PYPROJECT.replace("\n", "\r\n").split("[tool.black]")[0].encode())


@pytest.mark.usefixtures("standin")
@pytest.mark.parametrize("command", ["add-source private --url " + STANDARD, "status", "login", "logout", "token"])
def test_a_project_poetry_refuses_is_not_called_missing(project: Path, command: str) -> None:
    path = project / "pyproject.toml"
    path.write_text(PYPROJECT.replace('version = "0.1.0"', 'version = 1'))  # not a string: a schema error
    before = snapshot(project)
    result = run(f"codeartifact {command}")
    assert result.code == 1
    assert "Poetry cannot read this project" in result.err
    assert "configuration is invalid" in result.err
    assert "no pyproject.toml" not in result.err
    assert "No CodeArtifact source" not in result.text
    assert snapshot(project) == before


@pytest.mark.usefixtures("poetry_config_dir", "standin")
def test_an_existing_source_is_updated_with_a_word_and_keeps_its_priority(project: Path) -> None:
    """Issue 19 M2: the old URL is named and a priority nobody asked to change stays."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(PYPROJECT.replace(
        "[tool.poetry.dependencies]",
        '[[tool.poetry.source]]\nname = "mirror"\nurl = "https://mirror.example/simple/"\npriority = "supplemental"\n\n'
        "[tool.poetry.dependencies]"))
    result = run(f"codeartifact add-source mirror --url {STANDARD} --no-login")
    assert result.code == 0, result.text
    assert "Source mirror already existed (https://mirror.example/simple/)" in result.out
    assert "priority supplemental, kept" in result.out
    assert "Added source" not in result.out
    (entry,) = tomlkit.parse(pyproject.read_text())["tool"]["poetry"]["source"]
    assert entry.unwrap() == {"name": "mirror", "url": STANDARD + "simple/", "priority": "supplemental"}
    changed = run(f"codeartifact add-source mirror --url {STANDARD} --priority primary --no-login")
    assert "priority primary, changed from supplemental" in changed.out
    fresh = run(f"codeartifact add-source other --url {STANDARD} --no-login")
    assert "Added source other (acme/private, priority primary)" in fresh.out


@pytest.mark.usefixtures("poetry_config_dir", "standin")
def test_a_byte_order_mark_is_named_as_the_cause(project: Path) -> None:
    """Issue 19 (lower): Poetry says "Empty key at line 1"; the plugin says why, and changes nothing."""
    pyproject = project / "pyproject.toml"
    pyproject.write_bytes(b"\xef\xbb\xbf" + PYPROJECT.encode())
    before = pyproject.read_bytes()
    result = run(f"codeartifact add-source private --url {STANDARD}")
    assert result.code == 1
    assert "starts with a UTF-8 byte-order mark" in result.err
    assert "save it as UTF-8 without BOM" in result.err
    assert "Traceback" not in result.text
    assert pyproject.read_bytes() == before


@pytest.mark.usefixtures("poetry_config_dir", "standin")
@pytest.mark.parametrize(("layout", "message"), [
    ('\n[tool.poetry-codeartifact.sources]\nprivate = "acme"\n',
     "tool.poetry-codeartifact.sources.private in pyproject.toml is not a table; it was left as it was."),
    ("\n[tool.poetry-codeartifact.sources]\nprivate = []\n",
     "tool.poetry-codeartifact.sources.private in pyproject.toml is not a table; it was left as it was."),
    ('\n[[tool.poetry.source]]\nname = ["private"]\nurl = "https://p.example/simple/"\n',
     "Poetry cannot read this project: The Poetry configuration is invalid:"),  # then Poetry's words
], ids=["a string", "an array", "a source name that is an array"])
def test_a_key_that_is_not_a_table_is_named_and_nothing_changes(project: Path, layout: str, message: str) -> None:
    """The options' own entry written as something else: this said "'str' object does not
    support item assignment" (Python's words) when the command had options to write there."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(PYPROJECT + layout)
    before = pyproject.read_bytes()
    result = run(f"codeartifact add-source private --url {STANDARD} --no-login --profile dev")
    assert result.code == 1
    if message.startswith("Poetry"):  # Poetry's own words follow: "data.source[0].name" before 2.5
        assert message in result.err, result.err
        assert "source[0].name must be string" in result.err
    else:
        assert result.err.strip() == message
    assert pyproject.read_bytes() == before
