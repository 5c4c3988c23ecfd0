from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.app import PYPROJECT


@pytest.fixture
def project(tmp_path: Path, poetry_config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    (path / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(path)
    return path
