"""What the plugin costs every Poetry call: the modules it pulls in at start-up (issue 5).

Each check runs in a fresh interpreter, so nothing imported by other tests can hide a cost.
"""

from __future__ import annotations

import pytest

from poetry_codeartifact.command_names import COMMANDS
from tests.support.imports import heavy, loaded

REFRESH = {"poetry_codeartifact.hook", "poetry_codeartifact.command_context", "poetry_codeartifact.poetry_auth"}


@pytest.mark.parametrize("args", [("--version",), ("list",), ("config", "--list")])
def test_start_up_imports_nothing_heavy(args: tuple[str, ...], tmp_path: object) -> None:
    with_plugin = loaded("plugin", *args, cwd=str(tmp_path))
    plain = loaded("plain", *args, cwd=str(tmp_path))
    assert any(name.startswith("poetry_codeartifact") for name in with_plugin)  # the plugin did load
    extra = {name for name in with_plugin - plain if not name.startswith("poetry_codeartifact")}
    assert heavy(with_plugin) <= heavy(plain), heavy(with_plugin)
    assert not heavy(extra), extra
    ours = {name for name in with_plugin if name.startswith("poetry_codeartifact")}
    edge = {"poetry_codeartifact", "poetry_codeartifact.plugin", "poetry_codeartifact.command_names"}
    if args == ("list",):  # `list` builds every command for its description, and so imports their modules,
        commands = {f"poetry_codeartifact.commands.{module}" for module in COMMANDS.values()}
        light = {"poetry_codeartifact.commands", "poetry_codeartifact.commands.base", "poetry_codeartifact.errors"}
        assert ours == edge | commands | light, ours - edge - commands - light  # but none of their workers
        assert not ours & REFRESH, ours
    else:
        assert ours == edge, ours
