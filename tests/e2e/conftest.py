from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.user import POETRY, User
from tools.standin import OwnServer
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tools.standin import StandIn


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e = [item for item in items if "/e2e/" in str(item.fspath)]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    if e2e and not POETRY and "not e2e" not in (config.getoption("markexpr") or ""):
        # A plain `pytest` must not pass with every end-to-end test skipped.
        raise pytest.UsageError(
            f"{len(e2e)} end-to-end tests need a real Poetry, which `python3 tools/test.py` builds and names "
            "(POETRY_CODEARTIFACT_TEST_POETRY). Run that, or run only the other tests with: pytest -m 'not e2e'"
        )


@pytest.fixture
def user(tmp_path: Path, standin: StandIn) -> User:
    """A fresh machine with acme-utils 0.1.0 already in the stand-in's 'private' repository."""
    private = standin.repos["private"].root
    for old in private.glob("*"):
        old.unlink()
    make_wheel(private, "acme-utils", "0.1.0")
    return User(tmp_path, standin)


@pytest.fixture
def own_server() -> Iterator[OwnServer]:
    """A package server that is not CodeArtifact (a user's own, or one only a project names)."""
    server = OwnServer()
    yield server
    server.stop()


@pytest.fixture
def other_host() -> Iterator[OwnServer]:
    """A second such server: the host a cloned project tries to steer credentials to."""
    server = OwnServer()
    yield server
    server.stop()
