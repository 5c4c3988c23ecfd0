"""settings.py word for word: every error names its field and shows the value at fault, and each
switch, default and accepted form is pinned (mutation survivors of memory_store, read_options,
_read_one, _read_toml, _tables, _trusted_host and source_entries)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from poetry_codeartifact.endpoint import Endpoint
from poetry_codeartifact.errors import InvalidInput
from poetry_codeartifact.settings import (
    USER,
    SourceOptions,
    UserSettings,
    memory_store,
    project_sources,
    read_options,
    read_user_settings,
    source_entries,
)

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLES = "For example: packages.example.com or 127.0.0.1:8080."
HOST_RULE = "each entry is a host name or host:port, without scheme or path"
PORT_RULE = "the port after ':' is a number from 1 to 65535"
NAMES_A_HOST = "each entry names a host"


def tool(table: Any) -> dict[str, Any]:
    return {"tool": {"poetry-codeartifact": table}}


def message_of(raised: pytest.ExceptionInfo[InvalidInput]) -> str:
    return str(raised.value)


@pytest.mark.parametrize(
    ("value", "memory"),
    [(None, False), ("", False), ("poetry", False), ("default", False), (" Poetry ", False), ("DEFAULT", False),
     ("memory", True), (" MEMORY ", True)],
)
def test_store_switch(monkeypatch: pytest.MonkeyPatch, value: str | None, memory: bool) -> None:
    if value is not None:
        monkeypatch.setenv("POETRY_CODEARTIFACT_STORE", value)
    assert memory_store() is memory


def test_a_mistyped_store_names_the_variable_its_raw_value_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_STORE", " Disk ")
    with pytest.raises(InvalidInput) as raised:
        memory_store()
    assert message_of(raised) == (
        "Invalid POETRY_CODEARTIFACT_STORE ' Disk ': it is 'memory' (CI: nothing on disk) or unset (Poetry's "
        "storage). Unset POETRY_CODEARTIFACT_STORE or set it to memory."
    )
    assert (raised.value.field, raised.value.value) == ("POETRY_CODEARTIFACT_STORE", " Disk ")


@pytest.mark.parametrize(
    "data",
    [None, {}, {"tool": {}}, tool(None), tool({}), tool({"sources": {}})],
)
def test_no_table_or_an_empty_one_maps_nothing(data: dict[str, Any] | None) -> None:
    assert read_options(data) == {}


def test_each_source_table_is_read_under_its_name() -> None:
    options = read_options(tool({"sources": {
        "corp": {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"},
        "mine": {"profile": "dev", "duration": 900},
    }}))
    assert options == {
        "corp": SourceOptions(domain="acme", owner="111122223333", region="eu-west-1"),
        "mine": SourceOptions(profile="dev", duration=900),
    }


CORP = "[tool.poetry-codeartifact.sources.corp]"
MAPPING = {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("nope", "Invalid [tool.poetry-codeartifact] 'nope': it must be a table."),
        (["sources"], "Invalid [tool.poetry-codeartifact] ['sources']: it must be a table."),
        ({"sources": {}, "sauces": {}},
         "Invalid key in [tool.poetry-codeartifact] 'sauces': unknown key; the table holds only 'sources'. Put "
         "per-source settings under [tool.poetry-codeartifact.sources.<name>]."),
        ({"sources": ["corp"]},
         "Invalid [tool.poetry-codeartifact.sources] ['corp']: it must be a table of tables, one per source name."),
        ({"sources": "corp"},
         "Invalid [tool.poetry-codeartifact.sources] 'corp': it must be a table of tables, one per source name."),
        ({"sources": {"corp": {**MAPPING, "region": "Europe"}}},
         f"Invalid {CORP} region 'Europe': an AWS region looks like eu-west-1 or us-gov-west-1."),
        ({"sources": {"corp": {**MAPPING, "region": 1}}},
         f"Invalid {CORP} region 1: an AWS region looks like eu-west-1 or us-gov-west-1."),
    ],
)
def test_read_options_messages_word_for_word(table: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        read_options(tool(table))
    assert message_of(raised) == message


def test_a_bad_region_names_its_source_table_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        read_options(tool({"sources": {"corp": {**MAPPING, "region": "Europe"}}}))
    assert (raised.value.field, raised.value.value) == (f"{CORP} region", "Europe")


def settings_file(directory: Path, content: str | bytes) -> Path:
    path = directory / "codeartifact.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("content", ["nonsense", b"trusted-hosts = ['\xff']\n", b"\xff\xfe"])
def test_a_file_that_is_not_toml_names_itself_and_the_fix(tmp_path: Path, content: str | bytes) -> None:
    path = settings_file(tmp_path, content)
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path)
    cause = raised.value.__cause__
    assert isinstance(cause, ValueError)
    assert message_of(raised) == f"Invalid {path} None: it is not valid TOML ({cause}). Fix or remove the file."
    assert raised.value.field == str(path)


def test_poetry_toml_that_is_not_toml_names_itself(tmp_path: Path) -> None:
    (tmp_path / "poetry.toml").write_bytes(b"\xff")
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path / "nowhere", tmp_path)
    assert message_of(raised) == (
        f"Invalid {tmp_path / 'poetry.toml'} None: it is not valid TOML ('utf-8' codec can't decode byte 0xff in "
        "position 0: invalid start byte). Fix or remove the file."
    )


@pytest.mark.parametrize(
    ("content", "field", "shown", "rule"),
    [
        ("sources = 1", "[sources] in", "1", "it is a table of tables, one per source name"),
        ("sources = ['a']", "[sources] in", "['a']", "it is a table of tables, one per source name"),
        ("domains = 'acme'", "[domains] in", "'acme'", "it is a table of tables, one per domain name"),
        ("[sources]\nlocal = 'x'", "[sources.local] in", "'x'", "it must be a table"),
        ("[sources]\nlocal = 5", "[sources.local] in", "5", "it must be a table"),
        ("[domains]\nacme = ['profile']", "[domains.acme] in", "['profile']", "it must be a table"),
        ("[sources.local]\ncolour = 'red'", "key in [sources.local] in", "'colour'",
         "unknown key here; allowed keys are domain, domain-owner, region, profile, duration, role-arn, "
         "role-session-name, external-id"),
        ("[domains.acme]\ndomain = 'acme'", "key in [domains.acme] in", "'domain'",
         "unknown key here; allowed keys are profile, duration, role-arn, role-session-name, external-id"),
        ("colour = 1", "key in", "'colour'",
         "unknown key; the file holds trusted-hosts, [sources.<name>] and [domains.<domain>]"),
        ("trusted-hosts = 'x.org'", "trusted-hosts in", "'x.org'", "it is a list of host or host:port strings"),
        ("[trusted-hosts]\n'x.org' = 1", "trusted-hosts in", "{'x.org': 1}",
         "it is a list of host or host:port strings"),
    ],
)
def test_settings_file_tables_and_keys_word_for_word(
    tmp_path: Path, content: str, field: str, shown: str, rule: str
) -> None:
    path = settings_file(tmp_path, content)
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path)
    assert message_of(raised) == f"Invalid {field} {path} {shown}: {rule}."


@pytest.mark.parametrize(
    ("content", "field", "shown", "rule"),
    [
        ("[codeartifact]\nsources = 1", "[codeartifact.sources]", "1",
         "it is a table of tables, one per source name"),
        ("[codeartifact]\ndomains = []", "[codeartifact.domains]", "[]",
         "it is a table of tables, one per domain name"),
        ("[codeartifact.sources]\nca = 'x'", "[codeartifact.sources.ca]", "'x'", "it must be a table"),
        ("[codeartifact.sources.ca]\nregion = 'eu-west-1'", "key in [codeartifact.sources.ca]", "'region'",
         "unknown key here; allowed keys are profile, duration, role-arn, role-session-name, external-id"),
    ],
)
def test_poetry_toml_tables_word_for_word(tmp_path: Path, content: str, field: str, shown: str, rule: str) -> None:
    (tmp_path / "poetry.toml").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path / "nowhere", tmp_path)
    assert message_of(raised) == f"Invalid {field} in {tmp_path / 'poetry.toml'} {shown}: {rule}."


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        ("'https://x.org'", HOST_RULE),
        ("'x.org/simple'", HOST_RULE),
        ("'user@x.org'", HOST_RULE),
        ("'@x.org'", HOST_RULE),
        ("' x.org'", HOST_RULE),
        ("'x.org '", HOST_RULE),
        ("''", HOST_RULE),
        ("5", HOST_RULE),
        ("['x.org']", HOST_RULE),
        ("'x.org:0'", PORT_RULE),
        ("'x.org:65536'", PORT_RULE),
        ("'x.org:99999'", PORT_RULE),
        ("'x.org:http'", PORT_RULE),
        ("'x.org:'", PORT_RULE),
        ("':8080'", NAMES_A_HOST),
    ],
)
def test_a_bad_trusted_host_in_the_file_word_for_word(tmp_path: Path, entry: str, rule: str) -> None:
    """The message shows the entry as the file writes it (TOML's quotes are Python's here)."""
    path = settings_file(tmp_path, f"trusted-hosts = ['ok.example', {entry}]\n")
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path)
    assert message_of(raised) == f"Invalid trusted-hosts in {path} {entry}: {rule}. {EXAMPLES}"


@pytest.mark.parametrize(
    ("variable", "shown", "rule"),
    [
        ("ok.example,https://x.org", "'https://x.org'", HOST_RULE),
        ("ok.example, me@x.org ", "'me@x.org'", HOST_RULE),
        ("x.org:65536", "'x.org:65536'", PORT_RULE),
        ("x.org:0", "'x.org:0'", PORT_RULE),
        (":443", "':443'", NAMES_A_HOST),
    ],
)
def test_a_bad_trusted_host_in_the_variable_word_for_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, shown: str, rule: str
) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", variable)
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path)
    assert message_of(raised) == f"Invalid POETRY_CODEARTIFACT_TRUSTED_HOSTS {shown}: {rule}. {EXAMPLES}"


@pytest.mark.parametrize(
    ("entry", "host"),
    [
        ("x.org:1", "x.org:1"),
        ("x.org:65535", "x.org:65535"),
        ("X.Org:443", "x.org"),
        ("[::1]", "[::1]"),
        ("[::1]:8080", "[::1]:8080"),
        ("[::1]:443", "[::1]"),
        ("Straße.Example", "straße.example"),  # lower-cased as host_key does, not case-folded to "strasse"
    ],
)
def test_trusted_hosts_are_kept_in_the_form_urls_are_compared_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, host: str
) -> None:
    settings_file(tmp_path, f"trusted-hosts = [{entry!r}]\n")
    assert read_user_settings(tmp_path).trusted_hosts == {host}
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", entry)
    assert read_user_settings(tmp_path / "nowhere").trusted_hosts == {host}


def test_a_trusted_non_ascii_host_vouches_for_its_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", "Straße.Example")
    data = {"tool": {"poetry": {"source": [{"name": "corp", "url": "https://straße.example/pypi/repo/simple/"}]},
                     "poetry-codeartifact": {"sources": {"corp": MAPPING}}}}
    (source,) = project_sources(data, read_user_settings(tmp_path))
    assert source.vouched == USER
    assert source.endpoint == Endpoint("acme", "111122223333", "eu-west-1", "repo")


@pytest.mark.parametrize(
    "sources",
    [5, None, {"name": "a", "url": "https://a/simple/"}, "https://a/simple/"],
)
def test_a_source_list_that_is_not_a_list_gives_no_entries(sources: Any) -> None:
    assert source_entries({"tool": {"poetry": {"source": sources}}}) == []


def test_an_entry_that_is_not_a_table_is_skipped_not_the_rest() -> None:
    entries = source_entries({"tool": {"poetry": {"source": [
        "junk", 5, {"name": "a", "url": "https://a/simple/"}, {"name": "b"}, {"name": 1, "url": "https://c/"},
        {"name": "d", "url": "https://d/simple/", "priority": "supplemental"},
    ]}}})
    assert entries == [("a", "https://a/simple/", "primary"), ("d", "https://d/simple/", "supplemental")]


def test_no_settings_files_and_no_variables_read_as_the_defaults(tmp_path: Path) -> None:
    assert read_user_settings(tmp_path) == UserSettings(path=str(tmp_path / "codeartifact.toml"))
    assert read_user_settings(tmp_path).local_path == "poetry.toml"
    project = tmp_path / "project"
    assert read_user_settings(tmp_path, project) == UserSettings(
        path=str(tmp_path / "codeartifact.toml"), local_path=str(project / "poetry.toml"))


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("codeartifact = 5", "5"),
        ("[codeartifact]\ntrusted-hosts = []", "{'trusted-hosts': []}"),
        ("[codeartifact]\nsources = {}\nprofile = 'me'", "{'sources': {}, 'profile': 'me'}"),
    ],
)
def test_poetry_toml_codeartifact_table_word_for_word(tmp_path: Path, content: str, shown: str) -> None:
    (tmp_path / "poetry.toml").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        read_user_settings(tmp_path / "nowhere", tmp_path)
    assert message_of(raised) == (
        f"Invalid [codeartifact] in {tmp_path / 'poetry.toml'} {shown}: it holds only [codeartifact.sources.<name>] "
        "and [codeartifact.domains.<domain>] tables."
    )
