"""What the plugin costs every Poetry call: the modules it pulls in at start-up (issue 5).

Each check runs in a fresh interpreter, so nothing imported by other tests can hide a cost.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING

import pytest
from cleo.events.console_events import TERMINATE
from cleo.testers.application_tester import ApplicationTester
from poetry.config.config import Config
from poetry.console.application import Application

from poetry_codeartifact.command_names import COMMANDS, DESCRIPTIONS, command_class_name
from poetry_codeartifact.commands import LazyCommand
from tests.support.app import run
from tests.support.imports import heavy, loaded

if TYPE_CHECKING:
    from cleo.events.console_terminate_event import ConsoleTerminateEvent
    from cleo.events.event_dispatcher import EventDispatcher
    from poetry.console.commands.command import Command

REFRESH = {"poetry_codeartifact.hook", "poetry_codeartifact.command_context", "poetry_codeartifact.poetry_auth"}
EDGE = {"poetry_codeartifact", "poetry_codeartifact.plugin", "poetry_codeartifact.command_names"}


@pytest.mark.parametrize("args", [("--version",), ("list",), ("config", "--list")])
def test_start_up_imports_nothing_heavy(args: tuple[str, ...], tmp_path: object) -> None:
    with_plugin = loaded("plugin", *args, cwd=str(tmp_path))
    plain = loaded("plain", *args, cwd=str(tmp_path))
    assert any(name.startswith("poetry_codeartifact") for name in with_plugin)  # the plugin did load
    extra = {name for name in with_plugin - plain if not name.startswith("poetry_codeartifact")}
    assert heavy(with_plugin) <= heavy(plain), heavy(with_plugin)
    assert not heavy(extra), extra
    ours = {name for name in with_plugin if name.startswith("poetry_codeartifact")}
    if args == ("list",):  # `list` builds every command for its description: a LazyCommand knows it
        assert ours == EDGE | {"poetry_codeartifact.commands"}, ours  # without the command's module
    else:
        assert ours == EDGE, ours


def test_the_namespace_overview_imports_only_its_own_command(tmp_path: object) -> None:
    """``poetry codeartifact`` lists the other commands of the namespace from their LazyCommand."""
    with_plugin = loaded("plugin", "codeartifact", cwd=str(tmp_path))
    ours = {name for name in with_plugin if name.startswith("poetry_codeartifact")}
    light = {"poetry_codeartifact.commands", "poetry_codeartifact.commands.base", "poetry_codeartifact.errors"}
    assert ours == EDGE | light | {"poetry_codeartifact.commands.overview"}, ours
    assert not ours & REFRESH, ours


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_lazy_command_lists_as_the_real_one(name: str) -> None:
    """What `list` reads of a LazyCommand (it never imports the command's module) is what the
    real command says; everything else comes from the real command."""
    module = COMMANDS[name]
    real: type[Command] = getattr(importlib.import_module(f"poetry_codeartifact.commands.{module}"),
                                  command_class_name(module))
    lazy = LazyCommand(name)
    assert (lazy.name, lazy.description) == (real.name, real.description) == (name, DESCRIPTIONS[name])
    assert (lazy.hidden, lazy.enabled, lazy.aliases) == (real.hidden, real.enabled, real.aliases)
    assert isinstance(lazy.command, real)
    assert lazy.help == real.help
    assert [argument.name for argument in lazy.definition.arguments] == [argument.name for argument in real.arguments]
    assert [option.name for option in lazy.definition.options] == [option.name for option in real.options]


@pytest.mark.usefixtures("poetry_config_dir")
def test_list_shows_every_command_with_its_description(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(str(tmp_path))
    result = run("list")
    assert result.code == 0, result.text
    lines = {line.strip() for line in result.out.splitlines()}
    for name, description in DESCRIPTIONS.items():
        assert any(re.fullmatch(rf"{re.escape(name)} +{re.escape(description)}", line) for line in lines), name


@pytest.mark.usefixtures("poetry_config_dir")
def test_a_listener_reads_the_run_through_the_lazy_command(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another plugin's listener gets the LazyCommand from cleo's table: what it asks of it is
    answered by the command that ran."""
    monkeypatch.chdir(str(tmp_path))
    Config.create(reload=True)
    app = Application()
    app.auto_exits(False)
    seen: dict[str, object] = {}

    def on_terminate(event: ConsoleTerminateEvent, _name: str, _dispatcher: EventDispatcher) -> None:
        command = event.command
        seen.update(lazy=isinstance(command, LazyCommand), format=command.option("format"),
                    io=command.io is event.io, synopsis=command.synopsis(short=True).split(" [--]")[0])

    assert app.event_dispatcher is not None
    app.event_dispatcher.add_listener(TERMINATE, on_terminate)  # type: ignore[arg-type]
    assert ApplicationTester(app).execute("codeartifact status --format json", decorated=False) == 0
    assert seen == {"lazy": True, "format": "json", "io": True, "synopsis": "codeartifact status [options]"}
