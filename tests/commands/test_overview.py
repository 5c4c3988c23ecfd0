"""``poetry codeartifact`` alone, and every command's help: through an in-process Poetry."""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING

import pytest

from poetry_codeartifact.command_names import COMMANDS, command_class_name
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


@pytest.mark.parametrize("module", sorted(set(COMMANDS.values())))
def test_help_and_descriptions_fit_80_columns(module: str) -> None:
    """Issue 19 R4: help texts are written within 80 columns (cleo prints them as they are, two
    columns in; options and arguments are wrapped to the terminal by commands/base.py)."""
    command = getattr(importlib.import_module(f"poetry_codeartifact.commands.{module}"), command_class_name(module))
    for line in [*command.help.splitlines(), command.description]:
        visible = re.sub(r"</?[a-z]*>", "", line)
        assert len("  " + visible) <= 80, visible


@pytest.mark.usefixtures("poetry_config_dir")
def test_the_overview_wraps_to_the_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    result = run("codeartifact")
    assert result.code == 0
    for line in result.out.splitlines()[1:]:  # the first names the install folder, as long as it is
        assert len(line) <= 80, line


@pytest.mark.usefixtures("poetry_config_dir")
@pytest.mark.parametrize("columns", [80, 200])
def test_option_descriptions_wrap_to_the_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, columns: int
) -> None:
    """cleo prints an option's description on one line whatever the terminal; ours are wrapped,
    Poetry's own global options (--no-cache, --directory, ...) are left as Poetry prints them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", str(columns))
    out = run("codeartifact add-source --help").out
    lines = out.splitlines()
    priority = next(i for i, line in enumerate(lines) if "--priority=PRIORITY" in line)
    if columns == 80:
        assert lines[priority + 1].startswith(" " * 30)  # continued under the description's first line
        section = lines[lines.index("Arguments:"): priority + 12]
        assert max(len(line) for line in section if "--help" not in line) <= 80
    else:
        assert lines[priority].endswith("(default: primary for a new source, the current one for a source that "
                                        "exists).")
    (default,) = [line for line in run("codeartifact status --help").out.splitlines() if "--format=FORMAT" in line]
    assert default.endswith('Output format: text or json. [default: "text"]')  # cleo's default, after ours
    assert len(default) <= columns
