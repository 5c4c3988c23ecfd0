from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.app import PYPROJECT, run

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
    for name, repo, domain, owner, region in (
        ("private", "private", "acme", "111122223333", "eu-west-1"),
        ("internal", "internal", "acme", "111122223333", "eu-west-1"),
        ("shared", "shared", "tools", "444455556666", "us-east-1"),
    ):
        result = run(f"codeartifact add-source {name} --url {standin.repo_url(repo)} --domain {domain} "
                     f"--domain-owner {owner} --region {region} --no-login")
        assert result.code == 0, result.text
    return project
