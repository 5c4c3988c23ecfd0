from __future__ import annotations

import re
from typing import Any

import pytest

from poetry_codeartifact.endpoint import Endpoint
from poetry_codeartifact.errors import InvalidInput
from poetry_codeartifact.settings import (
    AWS,
    USER,
    Layer,
    Role,
    Source,
    SourceOptions,
    TokenKey,
    UserSettings,
    all_sources,
    auto_refresh_enabled,
    combine,
    config_repositories,
    pipeline_token,
    project_sources,
    read_options,
    read_user_settings,
    resolve,
    source_entries,
)

CA = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/simple/"


def pyproject(sources: list[dict[str, Any]], table: Any = None) -> dict[str, Any]:
    tool: dict[str, Any] = {"poetry": {"source": sources}}
    if table is not None:
        tool["poetry-codeartifact"] = table
    return {"tool": tool}


def test_recognised_url_needs_no_table() -> None:
    (source,) = project_sources(pyproject([{"name": "ca", "url": CA}, {"name": "other", "url": "https://x.org/simple/"}]))
    assert source.name == "ca"
    assert source.endpoint == Endpoint("acme", "111122223333", "eu-west-1", "private")
    assert source.priority == "primary"
    assert source.key == TokenKey("acme", "111122223333", "eu-west-1", None)


def test_mapping_table_makes_any_url_codeartifact() -> None:
    table = {"sources": {"local": {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1",
                                   "profile": "dev", "duration": 3600}}}
    (source,) = project_sources(pyproject([{"name": "local", "url": "http://127.0.0.1:1/pypi/internal/simple/",
                                           "priority": "explicit"}], table))
    assert source.endpoint == Endpoint("acme", "111122223333", "eu-west-1", "internal")
    assert (source.profile, source.duration, source.priority) == ("dev", 3600, "explicit")
    assert source.key.profile == "dev"


def test_profile_only_table_keeps_url_endpoint() -> None:
    (source,) = project_sources(pyproject([{"name": "ca", "url": CA}], {"sources": {"ca": {"profile": "p"}}}))
    assert source.endpoint.domain == "acme"
    assert source.profile == "p"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("nope", r"\[tool.poetry-codeartifact\].*must be a table"),
        ({"sauces": {}}, r"unknown key; the table holds only 'sources'"),
        ({"sources": []}, r"must be a table of tables"),
        ({"sources": {"ca": "x"}}, r"\[tool.poetry-codeartifact.sources.ca\].*must be a table"),
        ({"sources": {"ca": {"domian": "x"}}}, r"key in \[tool.poetry-codeartifact.sources.ca\] 'domian'.*unknown key"),
        ({"sources": {"ca": {"domain": "acme"}}}, r"set together.*Add domain-owner, region"),
        ({"sources": {"ca": {"domain": "Acme", "domain-owner": "111122223333", "region": "eu-west-1"}}},
         r"sources.ca\] domain 'Acme'"),
        ({"sources": {"ca": {"domain": "acme", "domain-owner": 111122223333, "region": "eu-west-1"}}},
         r"sources.ca\] domain-owner 111122223333.*12 digits"),
        ({"sources": {"ca": {"duration": 60}}}, r"sources.ca\] duration 60"),
        ({"sources": {"ca": {"profile": ""}}}, r"sources.ca\] profile"),
    ],
)
def test_malformed_table_names_the_key(table: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_options(pyproject([], table))


def test_config_repositories_and_dedup() -> None:
    repos = {"ca": {"url": CA.replace("simple/", "")}, "up": {"url": CA.replace("private", "upload")},
             "pypi-test": {"url": "https://test.pypi.org/legacy/"}}
    found = config_repositories(repos)
    assert [s.name for s in found] == ["ca", "up"]
    assert all(s.kind == "repository" for s in found)
    merged = all_sources(pyproject([{"name": "ca", "url": CA}]), repos)
    assert [(s.name, s.kind) for s in merged] == [("ca", "source"), ("up", "repository")]


@pytest.mark.parametrize(("value", "enabled"), [(None, True), ("true", True), ("1", True), ("false", False),
                                                 ("0", False), ("No", False), ("off", False)])
def test_auto_refresh_switch(monkeypatch: pytest.MonkeyPatch, value: str | None, enabled: bool) -> None:
    if value is not None:
        monkeypatch.setenv("POETRY_CODEARTIFACT_AUTO_REFRESH", value)
    assert auto_refresh_enabled() is enabled


def test_role_table_is_read_and_its_external_id_never_printed() -> None:
    table = {"sources": {"private": {"role-arn": "arn:aws:iam::111122223333:role/ci", "external-id": "s3cr3t-id"}}}
    (source,) = project_sources(pyproject([{"name": "private", "url": CA}], table))
    assert source.role is not None
    assert (source.role.arn, source.role.session_name, source.role.external_id) == (
        "arn:aws:iam::111122223333:role/ci", "poetry-codeartifact", "s3cr3t-id")
    assert source.key.role == source.role
    assert "s3cr3t-id" not in repr(source)
    assert "s3cr3t-id" not in repr(source.key)


LOCAL = "http://127.0.0.1:8080/pypi/internal/simple/"
MAPPED = {"sources": {"local": {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}}}


def test_a_codeartifact_url_is_vouched_for_by_aws() -> None:
    (source,) = project_sources(pyproject([{"name": "ca", "url": CA}]))
    assert source.vouched == AWS
    assert source.trusted


def test_a_mapped_host_needs_the_users_trust() -> None:
    data = pyproject([{"name": "local", "url": LOCAL}], MAPPED)
    (untrusted,) = project_sources(data)
    assert not untrusted.trusted
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS=127.0.0.1:8080" in untrusted.untrusted_message()
    (trusted,) = project_sources(data, UserSettings(frozenset({"127.0.0.1:8080"})))
    assert trusted.vouched == USER
    (other_port,) = project_sources(data, UserSettings(frozenset({"127.0.0.1:9090"})))
    assert not other_port.trusted


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://packages.example.com/pypi/repo/simple/", True),
        ("https://packages.example.com:443/pypi/repo/simple/", True),
        ("http://packages.example.com/pypi/repo/simple/", False),  # plain http leaves the machine
        ("http://localhost:8080/pypi/repo/simple/", False),  # a trusted port is not every port
        ("https://evil.example.com/pypi/repo/simple/", False),
    ],
)
def test_plain_http_only_for_loopback(url: str, trusted: bool) -> None:
    user = UserSettings(frozenset({"packages.example.com", "localhost:9"}))
    data = pyproject([{"name": "local", "url": url}], MAPPED)
    assert project_sources(data, user)[0].trusted is trusted


def test_a_mapping_that_contradicts_a_codeartifact_url_is_refused() -> None:
    table = {"sources": {"ca": {"domain": "tools", "domain-owner": "444455556666", "region": "us-east-1"}}}
    with pytest.raises(InvalidInput, match=r"belongs to domain acme.*never sent to another's host"):
        project_sources(pyproject([{"name": "ca", "url": CA}], table))


def test_user_settings_file_and_variable(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", " proxy.example.com , 127.0.0.1:8080 ")
    (tmp_path / "codeartifact.toml").write_text(
        'trusted-hosts = ["Packages.Example.com:443"]\n\n[sources.local]\nprofile = "me"\n'
        'domain = "acme"\ndomain-owner = "111122223333"\nregion = "eu-west-1"\n'
    )
    user = read_user_settings(tmp_path)
    assert user.trusted_hosts == {"proxy.example.com", "127.0.0.1:8080", "packages.example.com"}
    # personal settings win over the project's, and map a source the project does not map
    table = {"sources": {"local": {"profile": "team"}}}
    (source,) = project_sources(pyproject([{"name": "local", "url": LOCAL}], table), user)
    assert source.profile == "me"
    assert source.endpoint.domain == "acme"
    assert source.trusted


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("trusted-hosts = 'x'", "a list of host"),
        ('trusted-hosts = ["https://x.org"]', "without scheme or path"),
        ("colour = 1", "unknown key"),
        ("[sources.a]\ndomian = 'x'", r"\[sources.a\] in .*unknown key"),
        ("nonsense", "not valid TOML"),
    ],
)
def test_a_malformed_settings_file_names_itself(tmp_path: Any, content: str, message: str) -> None:
    (tmp_path / "codeartifact.toml").write_text(content)
    with pytest.raises(InvalidInput, match=message):
        read_user_settings(tmp_path)


def test_token_keys_name_domain_and_identity() -> None:
    assert TokenKey("acme", "111122223333", "eu-west-1").id == "acme-111122223333@eu-west-1"
    assert TokenKey("acme", "111122223333", "eu-west-1", "dev").id == "acme-111122223333@eu-west-1/profile=dev"


def test_a_mistyped_auto_refresh_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_AUTO_REFRESH", "flase")
    with pytest.raises(InvalidInput, match=r"POETRY_CODEARTIFACT_AUTO_REFRESH 'flase'.*true or false"):
        auto_refresh_enabled()


def test_personal_settings_win_key_by_key_in_one_documented_order(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "codeartifact.toml").write_text(
        '[domains.acme]\nprofile = "domain"\nduration = 900\n\n[sources.ca]\nprofile = "mine"\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "poetry.toml").write_text('[codeartifact.domains.acme]\nrole-arn = "arn:aws:iam::111122223333:role/r"\n')
    table = {"sources": {"ca": {"profile": "team", "duration": 3600}}}
    data = pyproject([{"name": "ca", "url": CA}], table)

    (source,) = project_sources(data, read_user_settings(tmp_path, project))
    assert source.profile == "mine"  # codeartifact.toml [sources.ca] over its [domains.acme]
    assert source.duration == 900  # codeartifact.toml [domains.acme] over pyproject.toml
    assert source.role == Role("arn:aws:iam::111122223333:role/r")  # poetry.toml
    assert dict(source.origins)["duration"] == f"{tmp_path / 'codeartifact.toml'} [domains.acme]"
    assert source.identity_origin() == (
        f"role-arn: {project / 'poetry.toml'} [codeartifact.domains.acme]; "
        f"profile: {tmp_path / 'codeartifact.toml'} [sources.ca]"
    )

    monkeypatch.setenv("POETRY_CODEARTIFACT_PROFILE", "everyone")
    assert project_sources(data, read_user_settings(tmp_path, project))[0].profile == "everyone"
    monkeypatch.setenv("POETRY_CODEARTIFACT_PROFILE_CA", "just-ca")
    (source,) = project_sources(data, read_user_settings(tmp_path, project))
    assert source.profile == "just-ca"
    assert source.identity_origin().endswith("profile: POETRY_CODEARTIFACT_PROFILE_CA")


def test_nothing_personal_leaves_the_default_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    (source,) = project_sources(pyproject([{"name": "ca", "url": CA}]))
    assert source.identity_origin() == ""
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert source.identity_origin() == "AWS_PROFILE=work (boto3)"


@pytest.mark.parametrize(("content", "message"), [
    ('[codeartifact.sources.ca]\ndomain = "acme"\n', "unknown key here"),
    ("[codeartifact]\ntrusted-hosts = []\n", "it holds only"),
    ('[codeartifact.domains.acme]\nprofile = "two words"\n', "[codeartifact.domains.acme]"),
])
def test_poetry_toml_cannot_map_or_trust(tmp_path: Any, content: str, message: str) -> None:
    (tmp_path / "poetry.toml").write_text(content)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_user_settings(tmp_path / "nowhere", tmp_path)


@pytest.mark.parametrize(("variables", "expected"), [
    ({}, None),
    ({"CODEARTIFACT_AUTH_TOKEN": "t0"}, ("t0", "CODEARTIFACT_AUTH_TOKEN")),
    ({"CODEARTIFACT_AUTH_TOKEN": "t0", "CODEARTIFACT_AUTH_TOKEN_MY_DOMAIN": "t1"},
     ("t1", "CODEARTIFACT_AUTH_TOKEN_MY_DOMAIN")),
    ({"CODEARTIFACT_AUTH_TOKEN_MY_DOMAIN": "t1", "CODEARTIFACT_AUTH_TOKEN_MY_DOMAIN_111122223333": "t2"},
     ("t2", "CODEARTIFACT_AUTH_TOKEN_MY_DOMAIN_111122223333")),
    ({"CODEARTIFACT_AUTH_TOKEN_OTHER": "t3"}, None),
    ({"CODEARTIFACT_AUTH_TOKEN_MY_DOMAIN": "  "}, None),
])
def test_pipeline_tokens_per_domain(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: tuple[str, str] | None
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert pipeline_token(Endpoint("my-domain", "111122223333", "eu-west-1", "repo")) == expected


def test_legacy_source_flags_read_as_their_priority() -> None:
    """Poetry < 1.5 wrote `default = true` / `secondary = true` instead of `priority`."""
    entries = source_entries(pyproject([
        {"name": "a", "url": "https://a/simple/", "default": True},
        {"name": "b", "url": "https://b/simple/", "secondary": True},
        {"name": "c", "url": "https://c/simple/"},
        {"name": "d", "url": "https://d/simple/", "priority": "explicit", "secondary": True},
        {"name": "e", "url": "https://e/simple/", "default": False, "secondary": False},
    ]))
    assert entries == [("a", "https://a/simple/", "default"), ("b", "https://b/simple/", "secondary"),
                       ("c", "https://c/simple/", "primary"), ("d", "https://d/simple/", "explicit"),
                       ("e", "https://e/simple/", "primary")]


def test_the_messages_about_a_source_url_word_for_word() -> None:
    host = "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"
    with_password = resolve("private", f"https://aws:old@{host}/pypi/repo/simple/", None)
    assert with_password is not None
    assert with_password.credential_in_url_message() == (
        "the URL of source 'private' in pyproject.toml holds a user name and password (a token written into a "
        "shared file, which expires within 12 hours). Remove the user:password@ part from the URL: the plugin "
        "sends a fresh token to that host without it."
    )
    options = read_options(pyproject([], {"sources": {"private": {
        "domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}}}))
    clear = resolve("private", f"http://{host}/pypi/repo/simple/", options["private"],
                    user=UserSettings(trusted_hosts=frozenset({host})))
    assert clear is not None
    assert clear.untrusted_message() == (
        f"the source 'private' (http://{host}/pypi/repo/simple/) uses plain http to {host}, so it gets no CodeArtifact "
        "token: a token is never sent unencrypted to a host other than this machine, whoever trusts the host. Use "
        "https:// in the source URL."
    )


def test_a_mistyped_auto_refresh_names_the_variable_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_AUTO_REFRESH", "maybe")
    with pytest.raises(InvalidInput) as raised:
        auto_refresh_enabled()
    assert str(raised.value) == (
        "Invalid POETRY_CODEARTIFACT_AUTO_REFRESH 'maybe': it is true or false (also 1/0, yes/no, on/off). Set "
        "POETRY_CODEARTIFACT_AUTO_REFRESH=false to turn automatic refresh off, or unset it."
    )


def test_identity_words() -> None:
    role = Role("arn:aws:iam::111122223333:role/r")
    assert TokenKey("acme", "111122223333", "eu-west-1").identity() == "default chain"
    assert TokenKey("acme", "111122223333", "eu-west-1", "dev").identity() == "profile dev"
    assert TokenKey("acme", "111122223333", "eu-west-1", None, role).identity() == (
        "role arn:aws:iam::111122223333:role/r")
    assert TokenKey("acme", "111122223333", "eu-west-1", "dev", role).identity() == (
        "role arn:aws:iam::111122223333:role/r (from profile dev)")


def test_identity_origin_joins_keys_set_in_one_place() -> None:
    source = resolve("private", CA, None)
    assert source is not None
    both = source._replace(origins=(("role-arn", "codeartifact.toml"), ("profile", "codeartifact.toml"),
                                    ("duration", "pyproject.toml")))
    assert both.identity_origin() == "role-arn and profile: codeartifact.toml"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"sources": {"x": "nope"}},
         "Invalid [tool.poetry-codeartifact.sources.x] 'nope': it must be a table."),
        ({"sources": {"x": {"color": "red"}}},
         "Invalid key in [tool.poetry-codeartifact.sources.x] 'color': unknown key; allowed keys are domain, "
         "domain-owner, region, profile, duration, role-arn, role-session-name, external-id."),
        ({"sources": {"x": {"region": "eu-west-1"}}},
         "Invalid [tool.poetry-codeartifact.sources.x] domain None: domain, domain-owner and region are set together "
         "or not at all. Add domain, domain-owner to [tool.poetry-codeartifact.sources.x]."),
        ({"sources": {"x": {"domain": "acme", "region": "eu-west-1"}}},
         "Invalid [tool.poetry-codeartifact.sources.x] domain-owner None: domain, domain-owner and region are set "
         "together or not at all. Add domain-owner to [tool.poetry-codeartifact.sources.x]."),
        ({"sources": {"x": {"role-arn": "nope"}}},
         "Invalid [tool.poetry-codeartifact.sources.x] role-arn 'nope': a role ARN looks like arn:aws:iam::<12-digit "
         "account>:role/<name>. Copy it from the IAM console or `aws iam get-role --role-name NAME`."),
    ],
)
def test_a_malformed_table_message_word_for_word(table: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        read_options(pyproject([], table))
    assert str(raised.value) == message


def test_config_repositories_take_the_projects_mapping_and_the_users_trust() -> None:
    proxy = "https://proxy.example/pypi/upload/"
    table = {"sources": {"up": {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1",
                                "profile": "dev"}}}
    user = UserSettings(trusted_hosts=frozenset({"proxy.example"}))
    repos = {"up": {"url": proxy}, "odd": "not a table", "none": {"url": None}}
    (found,) = config_repositories(repos, pyproject([], table), user)
    assert (found.name, found.kind, found.priority, found.profile) == ("up", "repository", None, "dev")
    assert found.vouched == USER
    assert found.endpoint == Endpoint("acme", "111122223333", "eu-west-1", "upload")
    assert config_repositories(repos, pyproject([], table)) == [found._replace(vouched=None)]
    merged = all_sources(pyproject([{"name": "ca", "url": CA}], table), repos, user)
    assert [(s.name, s.vouched, s.profile) for s in merged] == [("ca", AWS, None), ("up", USER, "dev")]


def test_role_keys_are_read_and_each_error_names_its_key() -> None:
    arn = "arn:aws:iam::111122223333:role/r"
    table = {"sources": {"x": {"role-arn": arn, "role-session-name": "me-here", "external-id": "ext-123"}}}
    role = read_options(pyproject([], table))["x"].role
    assert role is not None
    assert (role.arn, role.session_name, role.external_id) == (arn, "me-here", "ext-123")
    plain = read_options(pyproject([], {"sources": {"x": {"role-arn": arn}}}))["x"].role
    assert plain is not None
    assert (plain.session_name, plain.external_id) == ("poetry-codeartifact", None)
    where = "[tool.poetry-codeartifact.sources.x]"
    for key, value, rule in (("role-session-name", "x", "a role session name is 2-64 characters"),
                             ("external-id", "x", "an external ID is 2-1224 characters")):
        with pytest.raises(InvalidInput) as raised:
            read_options(pyproject([], {"sources": {"x": {"role-arn": arn, key: value}}}))
        assert str(raised.value).startswith(f"Invalid {where} {key} 'x': {rule}")
    for orphan in ("role-session-name", "external-id"):
        with pytest.raises(InvalidInput) as raised:
            read_options(pyproject([], {"sources": {"x": {orphan: "abc"}}}))
        assert str(raised.value) == (f"Invalid {where} {orphan} 'abc': it only applies together with role-arn. "
                                     f"Add role-arn to {where} or remove {orphan}.")


CA_HOST = "acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com"


@pytest.mark.parametrize(
    ("project", "personal", "expected"),
    [
        (None, None, None),
        (SourceOptions(profile="team"), None, SourceOptions(profile="team")),
        (SourceOptions(profile="team"), SourceOptions(profile="me"), SourceOptions(profile="team")),
        (None, SourceOptions(domain="mine", owner="444455556666", region="us-east-1", profile="me"),
         SourceOptions(domain="mine", owner="444455556666", region="us-east-1", profile="me")),
        (SourceOptions(domain="acme", owner="111122223333", region="eu-west-1", profile="team", duration=900),
         SourceOptions(domain="mine", owner="444455556666", region="us-east-1", profile="me"),
         SourceOptions(domain="mine", owner="444455556666", region="us-east-1", profile="team", duration=900)),
    ],
)
def test_combine_takes_the_personal_mapping_as_a_whole_and_nothing_else(
    project: SourceOptions | None, personal: SourceOptions | None, expected: SourceOptions | None
) -> None:
    assert combine(project, personal) == expected


def test_resolve_defaults_to_a_source_without_credentials_in_its_url() -> None:
    source = resolve("ca", CA, None)
    assert source == Source("ca", CA, Endpoint("acme", "111122223333", "eu-west-1", "private"))
    assert source.kind == "source"
    assert source.credential_in_url is False
    with_password = resolve("ca", f"https://aws:old@{CA_HOST}/pypi/private/simple/", None)
    assert with_password == source._replace(credential_in_url=True)
    assert with_password.credential_in_url is True


def test_a_mapping_that_agrees_with_a_codeartifact_url_is_accepted() -> None:
    options = read_options(pyproject([], {"sources": {"ca": {
        "domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1", "profile": "dev"}}}))
    source = resolve("ca", CA, options["ca"])
    assert source is not None
    assert source.endpoint == Endpoint("acme", "111122223333", "eu-west-1", "private")
    assert (source.vouched, source.profile, source.origins) == (AWS, "dev", (("profile", "pyproject.toml"),))


def test_a_mapping_that_contradicts_a_codeartifact_url_word_for_word() -> None:
    options = SourceOptions(domain="tools", owner="111122223333", region="eu-west-1")
    with pytest.raises(InvalidInput) as raised:
        resolve("ca", CA, options)
    assert str(raised.value) == (
        "Invalid [tool.poetry-codeartifact.sources.ca] domain 'tools': the URL of 'ca' belongs to domain acme (owner "
        "111122223333, region eu-west-1), and a token of one domain is never sent to another's host. Remove domain, "
        "domain-owner and region from the table: the URL says them already."
    )


def test_the_project_settings_are_named_pyproject_toml_in_origins() -> None:
    options = SourceOptions(profile="dev", duration=900, role=Role("arn:aws:iam::111122223333:role/r"))
    source = resolve("ca", CA, options)
    assert source is not None
    assert source.origins == (("role-arn", "pyproject.toml"), ("profile", "pyproject.toml"),
                              ("duration", "pyproject.toml"))
    assert (source.profile, source.duration, source.role) == ("dev", 900, options.role)


@pytest.mark.parametrize("variable", ["POETRY_CODEARTIFACT_ROLE_ARN_CA", "POETRY_CODEARTIFACT_ROLE_ARN"])
def test_a_role_from_the_environment_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, " arn:aws:iam::111122223333:role/env ")
    source = resolve("ca", CA, SourceOptions(role=Role("arn:aws:iam::111122223333:role/project")))
    assert source is not None
    assert source.role == Role("arn:aws:iam::111122223333:role/env")
    assert source.origins == (("role-arn", variable),)
    assert source.identity_origin() == f"role-arn: {variable}"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("POETRY_CODEARTIFACT_PROFILE_CA", "two words",
         "Invalid POETRY_CODEARTIFACT_PROFILE_CA 'two words': a profile is a name from ~/.aws/config, without spaces "
         "or control characters."),
        ("POETRY_CODEARTIFACT_PROFILE", "two words",
         "Invalid POETRY_CODEARTIFACT_PROFILE 'two words': a profile is a name from ~/.aws/config, without spaces or "
         "control characters."),
        ("POETRY_CODEARTIFACT_ROLE_ARN_CA", "nope",
         "Invalid POETRY_CODEARTIFACT_ROLE_ARN_CA 'nope': a role ARN looks like arn:aws:iam::<12-digit "
         "account>:role/<name>. Copy it from the IAM console or `aws iam get-role --role-name NAME`."),
        ("POETRY_CODEARTIFACT_ROLE_ARN", "nope",
         "Invalid POETRY_CODEARTIFACT_ROLE_ARN 'nope': a role ARN looks like arn:aws:iam::<12-digit "
         "account>:role/<name>. Copy it from the IAM console or `aws iam get-role --role-name NAME`."),
    ],
)
def test_a_malformed_variable_names_itself(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInput) as raised:
        resolve("ca", CA, None)
    assert str(raised.value) == message


def test_layers_in_the_order_they_win(monkeypatch: pytest.MonkeyPatch) -> None:
    arn = "arn:aws:iam::111122223333:role/everyone"
    monkeypatch.setenv("POETRY_CODEARTIFACT_PROFILE_MY_CA", "env-ca")
    monkeypatch.setenv("POETRY_CODEARTIFACT_ROLE_ARN", arn)
    user = UserSettings(
        sources={"my-ca": SourceOptions(profile="s")}, domains={"acme": SourceOptions(profile="d")},
        local_sources={"my-ca": SourceOptions(profile="ls")}, local_domains={"acme": SourceOptions(duration=900)},
        path="/cfg/codeartifact.toml", local_path="/p/poetry.toml",
    )
    assert user.layers("my-ca", "acme") == [
        Layer("POETRY_CODEARTIFACT_PROFILE_MY_CA", SourceOptions(profile="env-ca")),
        Layer("POETRY_CODEARTIFACT_ROLE_ARN", SourceOptions(role=Role(arn))),
        Layer("/p/poetry.toml [codeartifact.sources.my-ca]", SourceOptions(profile="ls")),
        Layer("/p/poetry.toml [codeartifact.domains.acme]", SourceOptions(duration=900)),
        Layer("/cfg/codeartifact.toml [sources.my-ca]", SourceOptions(profile="s")),
        Layer("/cfg/codeartifact.toml [domains.acme]", SourceOptions(profile="d")),
    ]
    assert user.layers("other", "tools") == [Layer("POETRY_CODEARTIFACT_ROLE_ARN", SourceOptions(role=Role(arn)))]
    source = resolve("my-ca", CA, SourceOptions(profile="team", duration=3600), user=user)
    assert source is not None
    assert (source.profile, source.role, source.duration) == ("env-ca", Role(arn), 900)
    assert source.origins == (("role-arn", "POETRY_CODEARTIFACT_ROLE_ARN"),
                              ("profile", "POETRY_CODEARTIFACT_PROFILE_MY_CA"),
                              ("duration", "/p/poetry.toml [codeartifact.domains.acme]"))
