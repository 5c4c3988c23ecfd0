from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.app import PYPROJECT, add_sources

if TYPE_CHECKING:
    from pathlib import Path

    from tools.standin import StandIn


@pytest.fixture
def project(tmp_path: Path, poetry_config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: ARG001
    """A project directory, made the current one, with Poetry's config isolated (poetry_config_dir)."""
    path = tmp_path / "project"
    path.mkdir()
    (path / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def three_sources(project: Path, standin: StandIn) -> Path:
    """private and internal (domain acme), shared (domain tools), all primary."""
    add_sources(standin, ("private", "private", "primary"), ("internal", "internal", "primary"),
                ("shared", "shared", "primary"))
    return project
