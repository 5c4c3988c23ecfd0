from __future__ import annotations

import stat
from typing import TYPE_CHECKING, Any

import pytest
import tomlkit

from poetry_codeartifact.credentials import AUTH_TOML, KEYRING, MEMORY, CredentialStore
from poetry_codeartifact.endpoint import Endpoint
from poetry_codeartifact.errors import TokenError
from poetry_codeartifact.refresh import ADOPTED, FETCHED, MANAGED, STALE, VALID, Refresher
from poetry_codeartifact.settings import Source
from poetry_codeartifact.state import StateFile, TokenRecord, fingerprint
from poetry_codeartifact.tokens import TokenFetcher
from tests.support.aws import Factory, token_response

if TYPE_CHECKING:
    from pathlib import Path

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

    def config(self) -> Any:
        from poetry.config.config import Config

        return Config.create(reload=True)

    def refresher(self, config: Any = None) -> Refresher:
        config = config or self.config()
        return Refresher(
            CredentialStore(config, self.warnings.append),
            StateFile.beside(config),
            TokenFetcher(self.factory, self.warnings.append, clock=self.clock),
            self.warnings.append,
            clock=self.clock,
        )

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

    def state(self) -> dict[str, TokenRecord]:
        return StateFile(self.config_dir / "codeartifact-state.json").load()


@pytest.fixture
def world(poetry_config_dir: Path) -> World:
    return World(poetry_config_dir)


def test_first_run_fetches_once_per_domain_and_stores_everywhere(world: World) -> None:
    acme = world.expect_token()
    tools = world.expect_token()
    config = world.config()
    outcomes = world.refresher(config).ensure([source("a"), source("b"), source("c", TOOLS)])
    assert [o.status for o in outcomes] == [FETCHED] * 3
    assert [o.where for o in outcomes] == [AUTH_TOML] * 3
    world.factory.assert_done()
    auth = world.auth()["http-basic"]
    assert auth["a"] == {"username": "aws", "password": acme}
    assert auth["b"]["password"] == acme and auth["c"]["password"] == tools
    assert stat.S_IMODE((world.config_dir / "auth.toml").stat().st_mode) == 0o600
    # the running process sends the new token at once
    assert config.get("http-basic.a.password") == acme
    state = world.state()
    assert state["a"].fingerprint == fingerprint(acme) and state["c"].domain == "tools"
    assert acme not in (world.config_dir / "codeartifact-state.json").read_text()


def test_valid_token_costs_no_call(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 901  # just outside the 15-minute margin
    outcomes = world.refresher().ensure([source("a")])  # no response queued: a call would fail
    assert [o.status for o in outcomes] == [VALID]
    assert world.factory.stubbers[("eu-west-1", None)]._queue == __import__("collections").deque()


def test_refresh_within_margin(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 899
    new = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].status == FETCHED
    assert config.get("http-basic.a.password") == new
    world.factory.assert_done()


@pytest.mark.parametrize("change", ["gone", "changed", "other-domain", "no-state"])
def test_refresh_when_token_gone_changed_or_state_unknown(world: World, change: str) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    config = world.config()
    if change == "gone":
        config.auth_config_source.remove_property("http-basic.a")
    elif change == "changed":
        config.auth_config_source.add_property("http-basic.a", {"username": "aws", "password": "someone-else"})
    elif change == "other-domain":
        StateFile.beside(config).save({"a": TokenRecord("tools", "444455556666", "eu-west-1", 0, 9e12, "x")})
    else:
        (world.config_dir / "codeartifact-state.json").write_text("{corrupt")
    new = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].status == FETCHED
    assert config.get("http-basic.a.password") == new


def test_failed_refresh_with_valid_token_warns_and_goes_on(world: World) -> None:
    old = world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 100  # due, not expired
    world.expect_error("InternalServerException")
    config = world.config()
    outcome = world.refresher(config).ensure([source("a")])[0]
    assert outcome.status == STALE
    assert config.get("http-basic.a.password") == old
    assert any("still valid; going on" in w and "server error" in w for w in world.warnings)


def test_failed_refresh_with_expired_token_stops_with_cause(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a"), source("b")])
    world.clock.now += LIFETIME + 1
    world.expect_error("AccessDeniedException", 403)
    with pytest.raises(TokenError) as info:
        world.refresher().ensure([source("a"), source("b")])
    message = str(info.value)
    assert "'a', 'b'" in message and "domain acme, owner 111122223333, region eu-west-1" in message
    assert "sts:GetServiceBearerToken" in message


def test_waiter_adopts_token_refreshed_by_another_process(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.clock.now += LIFETIME - 100
    slow_config = world.config()  # loaded auth.toml before the other process refreshed
    slow = world.refresher(slow_config)
    new = world.expect_token()
    assert world.refresher().ensure([source("a")])[0].status == FETCHED
    # the slow process sees a due token in memory but a fresh one on disk: no second call
    assert slow.ensure([source("a")])[0].status == ADOPTED
    assert slow_config.get("http-basic.a.password") == new
    world.factory.assert_done()


def test_force_fetches_even_when_valid(world: World) -> None:
    world.expect_token()
    world.refresher().ensure([source("a")])
    world.expect_token()
    assert world.refresher().ensure([source("a")], force=True)[0].status == FETCHED


def test_environment_credentials_are_left_alone(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_HTTP_BASIC_MY_REPO_PASSWORD", "from-ci")
    assert world.refresher().ensure([source("my-repo")])[0].status == MANAGED
    assert world.factory.calls == []


def test_keyring_storage(world: World, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    from tests.support.keyrings import MemoryKeyring, install, restore

    backend = MemoryKeyring()
    previous = install(backend)
    request.addfinalizer(lambda: restore(previous))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "true")
    token = world.expect_token()
    config = world.config()
    assert world.refresher(config).ensure([source("a")])[0].where == KEYRING
    assert backend.passwords[("poetry-repository-a", "aws")] == token
    assert "password" not in world.auth()["http-basic"]["a"]
    assert world.refresher().ensure([source("a")])[0].status == VALID  # read back from the keyring


def test_keyring_refusing_long_tokens_falls_back_to_memory(
    world: World, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from tests.support.keyrings import SmallKeyring, install, restore

    previous = install(SmallKeyring())
    request.addfinalizer(lambda: restore(previous))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "true")
    token = world.expect_token()
    config = world.config()
    outcomes = world.refresher(config).ensure([source("a"), source("b")])
    assert [o.where for o in outcomes] == [MEMORY, MEMORY]
    assert config.get("http-basic.a.password") == token == config.get("http-basic.b.password")
    warnings = [w for w in world.warnings if "keyring refused" in w]
    assert len(warnings) == 1 and "poetry config keyring.enabled false" in warnings[0]
    assert token not in " ".join(world.warnings)
    assert "a" not in world.auth().get("http-basic", {})
