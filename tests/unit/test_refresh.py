from __future__ import annotations

import json
import stat
import time
from typing import TYPE_CHECKING, Any

import pytest
import tomlkit
from poetry.config.config import Config

from poetry_codeartifact import store
from poetry_codeartifact.endpoint import Endpoint
from poetry_codeartifact.errors import TokenError
from poetry_codeartifact.refresh import (
    ADOPTED,
    FETCHED,
    MANAGED,
    MISSING,
    STALE,
    UNCHECKED,
    UNTRUSTED,
    VALID,
    Refresher,
)
from poetry_codeartifact.settings import Source
from poetry_codeartifact.state import StateFile, TokenRecord, fingerprint
from poetry_codeartifact.store import FILE, KEYRING, SERVICE, TokenStore
from poetry_codeartifact.tokens import TokenFetcher
from tests.support.aws import Factory, token_response
from tests.support.keyrings import HangingKeyring, MemoryKeyring, SmallKeyring

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from keyring.backend import KeyringBackend

ACME = Endpoint("acme", "111122223333", "eu-west-1", "private")
TOOLS = Endpoint("tools", "444455556666", "eu-west-1", "shared")
LIFETIME = 43200.0


def source(name: str, endpoint: Endpoint = ACME, **kw: Any) -> Source:
    return Source(name=name, url=f"http://127.0.0.1:1/pypi/{name}/simple/", endpoint=endpoint, **kw)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class World:
    """One Poetry config dir; each `refresher()` is a new Poetry process using it."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir
        self.clock = Clock()
        self.factory = Factory()
        self.warnings: list[str] = []
        self.serial = 0
        self.made: dict[int, Refresher] = {}  # id(config) -> the refresher of that "process"

    def config(self) -> Any:
        return Config.create(reload=True)

    def refresher(self, config: Any = None) -> Refresher:
        config = config or self.config()
        made = Refresher(
            TokenStore(config, self.warnings.append),
            StateFile.beside(config),
            TokenFetcher(self.factory, self.warnings.append, clock=self.clock),
            self.warnings.append,
            clock=self.clock,
        )
        self.made[id(config)] = made
        return made

    def sent(self, config: Any, name: str, endpoint: Endpoint = ACME) -> str | None:
        """The token that process may send for source ``name``; Poetry's config never holds one."""
        assert not config.get("http-basic")
        return self.made[id(config)].tokens.get(source(name, endpoint).key)

    def expect_token(self, region: str = "eu-west-1", lifetime: float = LIFETIME) -> str:
        self.serial += 1
        token = f"TOKEN-{self.serial}-" + "x" * 1200
        self.factory.stub(region).add_response(
            "get_authorization_token", token_response(token, self.clock.now + lifetime)
        )
        return token

    def expect_error(self, code: str, status: int = 500) -> None:
        self.factory.stub().add_client_error("get_authorization_token", code, "injected", status)

    def auth(self) -> dict[str, Any]:
        path = self.config_dir / "auth.toml"
        return tomlkit.parse(path.read_text()).unwrap() if path.exists() else {}

    def stored(self) -> dict[str, str]:
        path = self.config_dir / "codeartifact-tokens.json"
        return json.loads(path.read_text())["tokens"] if path.exists() else {}

    def state(self) -> dict[str, TokenRecord]:
        return StateFile(self.config_dir / "codeartifact-state.json").load()


@pytest.fixture
def world(poetry_config_dir: Path) -> World:
    return World(poetry_config_dir)


ACME_ID = "acme-111122223333@eu-west-1"
TOOLS_ID = "tools-444455556666@eu-west-1"


def test_first_run_fetches_once_per_domain_and_stores_per_domain(world: World) -> None:
    acme = world.expect_token()
    tools = world.expect_token()
    config = world.config()
    outcomes = world.refresher(config).ensure([source("a"), source("b"), source("c", TOOLS)])
    assert [o.status for o in outcomes] == [FETCHED] * 3
    assert [o.where for o in outcomes] == [FILE] * 3
    world.factory.assert_done()
    assert world.stored() == {ACME_ID: acme, TOOLS_ID: tools}  # one token per domain, not per name
    assert stat.S_IMODE((world.config_dir / "codeartifact-tokens.json").stat().st_mode) == 0o600
    assert world.auth() == {}  # Poetry's http-basic is never written
    # the running process sends the new token at once, for every name of the domain
    assert world.sent(config, "a") == acme
    assert world.sent(config, "b") == acme
    assert world.sent(config, "c", TOOLS) == tools
    state = world.state()
    assert state[ACME_ID].fingerprint == fingerprint(acme)
    assert state[TOOLS_ID].domain == "tools"
    assert acme not in (world.config_dir / "codeartifact-state.json").read_text()


def test_another_name_of_the_same_domain_costs_no_call(world: World) -> None:
    """Two projects call one domain's source 'private' and 'corp': one token serves both."""
    token = world.expect_token()
    world.refresher().ensure([source("private")])
    config = world.config()
    outcome = world.refresher(config).ensure([source("corp")])[0]  # no response queued: a call would fail
    assert outcome.status == VALID
    assert world.sent(config, "corp") == token


def test_one_name_in_two_domains_switching_projects_costs_no_call(world: World) -> None:
    a, b = world.expect_token(), world.expect_token()
    world.refresher().ensure([source("private")])  # project A
    world.refresher().ensure([source("private", TOOLS)])  # project B
    world.factory.assert_done()
    for expected, endpoint in ((a, ACME), (b, TOOLS), (a, ACME), (b, TOOLS)):
        config = world.config()
        assert world.refresher(config).ensure([source("private", endpoint)])[0].status == VALID
        assert world.sent(config, "private", endpoint) == expected


def test_valid_token_costs_no_call(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 901  # just outside the 15-minute margin
    outcomes = world.refresher().ensure([source("a")])  # no response queued: a call would fail
    assert [o.status for o in outcomes] == [VALID]
    world.factory.assert_done()


def test_refresh_within_margin(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 899
    new = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].status == FETCHED
    assert world.sent(config, "a") == new
    world.factory.assert_done()


@pytest.mark.parametrize("change", ["gone", "changed", "no-state", "mistyped-expiry"])
def test_refresh_when_token_gone_changed_or_state_unknown(world: World, change: str) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    path = world.config_dir / "codeartifact-tokens.json"
    state = world.config_dir / "codeartifact-state.json"
    if change == "gone":
        path.unlink()
    elif change == "changed":
        path.write_text(json.dumps({"version": 1, "tokens": {ACME_ID: "someone-else"}}))
    elif change == "no-state":
        state.write_text("{corrupt")
    else:
        data = json.loads(state.read_text())
        data["tokens"][ACME_ID]["expires_at"] = "tomorrow"
        state.write_text(json.dumps(data))
    new = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].status == FETCHED
    assert world.sent(config, "a") == new
    assert world.state()[ACME_ID].fingerprint == fingerprint(new)  # the record is repaired


def test_failed_refresh_with_valid_token_warns_and_goes_on(world: World) -> None:
    old = world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 100  # due, not expired
    world.expect_error("InternalServerException")
    config = world.config()
    outcome = world.refresher(config).ensure([source("a")])[0]
    assert outcome.status == STALE
    assert world.sent(config, "a") == old
    assert any("still valid; going on" in w and "server error" in w for w in world.warnings)


def test_failed_refresh_with_expired_token_stops_with_cause(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a"), source("b")])
    world.clock.now += LIFETIME + 1
    world.expect_error("AccessDeniedException", 403)
    with pytest.raises(TokenError) as info:
        world.refresher().ensure([source("a"), source("b")])
    message = str(info.value)
    assert "'a', 'b'" in message
    assert "domain acme (owner 111122223333, region eu-west-1)" in message
    assert "sts:GetServiceBearerToken" in message


def test_two_failing_domains_keep_their_own_messages(world: World) -> None:
    world.factory.stub().add_client_error("get_authorization_token", "AccessDeniedException", "no", 403)
    world.factory.stub().add_client_error("get_authorization_token", "ResourceNotFoundException", "no", 404)
    with pytest.raises(TokenError) as info:
        world.refresher().ensure([source("a"), source("c", TOOLS)])
    first, second = str(info.value).splitlines()
    assert "'a'" in first
    assert "domain acme" in first
    assert "'c'" in second
    assert "domain tools" in second
    assert {"AWS denied access" in first, "AWS denied access" in second} == {True, False}


def test_waiter_adopts_token_refreshed_by_another_process(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 100
    slow_config = world.config()
    slow = world.refresher(slow_config)
    new = world.expect_token()
    assert world.refresher().ensure([source("a")])[0].status == FETCHED
    # the slow process finds a fresh token once it holds the lock: no second call
    assert slow._refresh_locked({source("a").key: [source("a")]}, False, None, False)["a"].status == ADOPTED
    assert world.sent(slow_config, "a") == new
    world.factory.assert_done()


def test_force_fetches_even_when_valid(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.expect_token()
    assert world.refresher().ensure([source("a")], force=True)[0].status == FETCHED


def test_rejected_token_is_replaced_once(world: World) -> None:
    first = world.expect_token()
    config = world.config()
    refresher = world.refresher(config)
    refresher.ensure([source("a")])
    second = world.expect_token()
    assert refresher.reject(source("a").key, [source("a")]) is True
    assert world.sent(config, "a") == second != first
    assert refresher.reject(source("a").key, [source("a")]) is False  # never a loop
    world.factory.assert_done()


def test_auto_refresh_off_hands_what_is_stored_and_never_calls(world: World) -> None:
    token = world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME + 1  # expired: a refresh would be due
    config = world.config()
    (outcome,) = world.refresher(config).ensure([source("a")], fetch=False)
    assert outcome.status == UNCHECKED
    assert world.sent(config, "a") == token
    assert world.refresher().ensure([source("b", TOOLS)], fetch=False)[0].status == MISSING


def test_environment_credentials_are_left_alone(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_HTTP_BASIC_MY_REPO_PASSWORD", "from-ci")
    assert world.refresher().ensure([source("my-repo")])[0].status == MANAGED
    assert world.factory.calls == []


def test_untrusted_host_gets_no_token_and_no_call(world: World) -> None:
    config = world.config()
    untrusted = source("evil")._replace(url="https://evil.example.com/pypi/private/simple/", vouched=None)
    assert world.refresher(config).ensure([untrusted])[0].status == UNTRUSTED
    assert world.factory.calls == []
    assert world.sent(config, "evil") is None
    (warning,) = world.warnings
    assert "POETRY_CODEARTIFACT_TRUSTED_HOSTS=evil.example.com" in warning


def test_users_own_credential_stays_on_disk_and_in_poetrys_config(world: World) -> None:
    world.config_dir.mkdir(parents=True, exist_ok=True)
    world.config().auth_config_source.add_property("http-basic.private", {"username": "me", "password": "mine"})
    token = world.expect_token()
    config = world.config()
    refresher = world.refresher(config)
    refresher.ensure([source("private")])
    assert refresher.tokens[source("private").key] == token  # sent by origin, not under the name
    assert config.get("http-basic.private") == {"username": "me", "password": "mine"}  # in memory too
    assert world.auth()["http-basic"]["private"] == {"username": "me", "password": "mine"}
    assert world.warnings == []


def test_disk_error_keeps_the_token_for_this_run_and_says_so(world: World) -> None:
    (world.config_dir / "codeartifact-tokens.json").mkdir(parents=True)  # cannot be replaced by a file
    token = world.expect_token()
    config = world.config()
    outcome = world.refresher(config).ensure([source("a")])[0]
    assert outcome.status == FETCHED
    assert outcome.where == "memory"
    assert world.sent(config, "a") == token
    (warning,) = world.warnings
    assert "could not store the new CodeArtifact token" in warning
    assert warning.endswith("codeartifact-tokens.json is a folder, where the plugin keeps a file: move it away.")
    assert "keyring" not in warning
    assert ACME_ID not in world.state()  # no record: the next process fetches its own


def test_keyring_storage(world: World, use_keyring: Callable[[KeyringBackend], None]) -> None:
    backend = MemoryKeyring()
    use_keyring(backend)
    token = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].where == KEYRING
    assert backend.passwords[(SERVICE, ACME_ID)] == token
    assert world.stored() == {}
    assert world.refresher().ensure([source("a")])[0].status == VALID  # read back from the keyring


def test_keyring_refusing_long_tokens_falls_back_to_the_file(
    world: World, use_keyring: Callable[[KeyringBackend], None]
) -> None:

    use_keyring(SmallKeyring())
    token = world.expect_token()
    config = world.config()
    outcomes = world.refresher(config).ensure([source("a"), source("b")])
    assert [o.where for o in outcomes] == [FILE, FILE]
    assert world.sent(config, "a") == token == world.sent(config, "b")
    warnings = [w for w in world.warnings if "keyring refused" in w]
    assert len(warnings) == 1
    assert "codeartifact-tokens.json" in warnings[0]
    assert token not in " ".join(world.warnings)
    assert world.stored() == {ACME_ID: token}
    # the next command finds it without calling AWS (no response is queued)
    assert world.refresher().ensure([source("a")])[0].status == VALID


def test_an_empty_environment_password_is_named(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_HTTP_BASIC_A_PASSWORD", "")
    assert world.refresher().ensure([source("a")])[0].status == MANAGED
    (warning,) = world.warnings
    assert "POETRY_HTTP_BASIC_A_PASSWORD is set but empty" in warning


def test_a_source_name_with_a_dot_gets_its_token_on_every_poetry(world: World) -> None:
    """Tokens go by origin, so a name Poetry 1.8 cannot use as a config key no longer matters."""
    token = world.expect_token()
    config = world.config()
    world.refresher(config).ensure([source("corp.eu")])
    assert world.sent(config, "corp.eu") == token
    assert world.warnings == []


def test_a_hanging_keyring_costs_seconds_not_a_hang(
    world: World, monkeypatch: pytest.MonkeyPatch, use_keyring: Callable[[KeyringBackend], None]
) -> None:


    use_keyring(HangingKeyring())
    monkeypatch.setattr(store, "KEYRING_TIMEOUT", 0.3)
    token = world.expect_token()
    config = world.config()
    started = time.monotonic()
    (outcome,) = world.refresher(config).ensure([source("a")])
    assert time.monotonic() - started < 5
    assert outcome.where == FILE  # the token went to the owner-only file instead
    assert world.sent(config, "a") == token
    assert any("did not answer" in w or "TimeoutError" in w or "KeyringTimeout" in w for w in world.warnings)
    assert world.refresher().ensure([source("a")])[0].status == VALID  # the next run finds it there


def test_a_lock_that_cannot_be_opened_is_not_blamed_on_another_process(world: World) -> None:
    """Issue 19 M6: no "another Poetry process holds the lock" when no other process exists."""
    world.config_dir.mkdir(parents=True, exist_ok=True)
    (world.config_dir / "codeartifact-state.json.lock").symlink_to(world.config_dir / "elsewhere")
    token = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].status == FETCHED
    assert world.sent(config, "a") == token
    (warning,) = world.warnings
    assert warning.startswith("could not open the lock file ")
    assert warning.endswith("; refreshing without it.")
    assert "another Poetry process" not in warning
