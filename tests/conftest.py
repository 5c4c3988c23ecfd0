"""Fixtures shared by every test: the network safety net, the stand-in, an isolated Poetry.

Before anything else, this moves HOME, the XDG folders and every folder Poetry, virtualenv and
pip write to into a temporary directory (``ISOLATED_HOME``): Poetry fixes its folders when it is
imported, so this must happen before any test imports it. No test touches the real home.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from tools.venvs import isolated_home

REAL_HOME = os.environ.get("HOME", "")
_ISOLATED_ROOT = Path(tempfile.mkdtemp(prefix="poetry-codeartifact-tests-"))
ISOLATED_HOME = _ISOLATED_ROOT / "home"
ISOLATED_ENV = isolated_home(ISOLATED_HOME)
os.environ.update(ISOLATED_ENV)
atexit.register(shutil.rmtree, _ISOLATED_ROOT, ignore_errors=True)

from typing import TYPE_CHECKING  # noqa: E402

import poetry.config.config  # noqa: E402
import poetry.locations  # noqa: E402
import pytest  # noqa: E402
from poetry.config.config import Config  # noqa: E402

from tests.support.net import closed_port, safety_net_env  # noqa: E402
from tools.standin import StandIn  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from keyring.backend import KeyringBackend

FAKE_AWS = {"AWS_ACCESS_KEY_ID": "AKIDSTANDINTEST", "AWS_SECRET_ACCESS_KEY": "standin-secret-key"}
_KEEP = ("POETRY_CODEARTIFACT_TEST_",)


@pytest.fixture(autouse=True)
def network_safety_net(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test can reach anything but 127.0.0.1, nor read the developer's AWS or Poetry setup."""
    for key in list(os.environ):
        if key.startswith(("AWS_", "POETRY_", "CODEARTIFACT_")) and not key.startswith(_KEEP):
            monkeypatch.delenv(key)
    for key, value in ISOLATED_ENV.items():  # the isolated folders stay (some were POETRY_*)
        monkeypatch.setenv(key, value)
    for key, value in safety_net_env(closed_port()).items():
        monkeypatch.setenv(key, value)
    aws = tmp_path / "aws"
    aws.mkdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[KeyringBackend], None]]:
    """Make a test keyring backend the one Poetry uses, with Poetry's keyring turned on."""
    from tests.support.keyrings import install, restore  # noqa: PLC0415 - keyring, for the tests that use one

    previous: list[KeyringBackend | None] = []
    used: list[KeyringBackend] = []

    def use(backend: KeyringBackend) -> None:
        previous.append(install(backend))
        used.append(backend)
        monkeypatch.setenv("POETRY_KEYRING_ENABLED", "true")

    yield use
    for backend in used:
        getattr(backend, "release", lambda: None)()  # a hanging backend lets its threads go
    if previous:
        restore(previous[0])


@pytest.fixture(scope="session")
def standin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    with StandIn(tmp_path_factory.mktemp("standin")) as server:
        yield server


@pytest.fixture
def standin(standin_server: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The stand-in, reset, with boto3 pointed at it and fake credentials in the environment."""
    standin_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", standin_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin_server.url)
    monkeypatch.setenv("POETRY_CODEARTIFACT_TRUSTED_HOSTS", ",".join(standin_server.hosts()))
    for key, value in FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    return standin_server


@pytest.fixture
def poetry_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated Poetry config/cache/data directory for in-process Poetry, keyring off."""
    config_dir = tmp_path / "poetry-config"
    directories = {"CONFIG": config_dir, "CACHE": tmp_path / "poetry-cache", "DATA": tmp_path / "poetry-data"}
    for name, path in directories.items():
        monkeypatch.setenv(f"POETRY_{name}_DIR", str(path))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    monkeypatch.setattr(poetry.locations, "CONFIG_DIR", config_dir)
    monkeypatch.setattr(poetry.config.config, "CONFIG_DIR", config_dir)
    Config.create(reload=True)
    yield config_dir
    Config.create(reload=True)
