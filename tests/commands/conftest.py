from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.app import PYPROJECT

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def project(tmp_path: Path, poetry_config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    (path / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(path)
    return path
