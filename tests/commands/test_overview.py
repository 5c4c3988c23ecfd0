"""``poetry codeartifact`` alone, and every command's help: through an in-process Poetry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from poetry_codeartifact.command_names import COMMANDS
from tests.support.app import run

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.usefixtures("poetry_config_dir")
@pytest.mark.parametrize("args", ["codeartifact", "codeartifact --help"])
def test_the_namespace_alone_lists_its_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: str) -> None:
    monkeypatch.chdir(tmp_path)  # no project here: it must work anywhere
    result = run(args)
    assert result.code == 0, result.text
    for name in COMMANDS:
        if name != "codeartifact":
            assert name.split()[1] in result.out


@pytest.mark.usefixtures("poetry_config_dir")
def test_the_namespace_names_the_installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = run("codeartifact").out.splitlines()[0]
    assert first.startswith("poetry-codeartifact ")
    assert "poetry_codeartifact" in first  # the folder the plugin was loaded from


@pytest.mark.usefixtures("poetry_config_dir")
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_help_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(f"{name} --help")
    assert result.code == 0, result.text
    help_text = result.out.split("Help:", 1)[1]
    assert len(help_text.split()) >= 30  # a paragraph, not a stub
    assert max(len(line) for line in help_text.splitlines()) <= 110  # readable in a terminal
