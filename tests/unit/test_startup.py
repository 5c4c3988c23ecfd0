"""What the plugin costs every Poetry call: the modules it pulls in at start-up (issue 5).

Each check runs in a fresh interpreter, so nothing imported by other tests can hide a cost.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = r"""
import json, sys
from cleo.io.inputs.argv_input import ArgvInput
from cleo.io.outputs.buffered_output import BufferedOutput
from poetry.console.application import Application

mode, args = sys.argv[1], sys.argv[2:]
app = Application()
app.auto_exits(False)
if mode == "plain":
    args = ["--no-plugins", *args]
before = set(sys.modules)
code = app.run(ArgvInput(["poetry", *args]), BufferedOutput(), BufferedOutput())  # loads plugins, runs
assert code == 0, code
print(json.dumps(sorted(set(sys.modules) - before)))
"""

HEAVY = ("boto3", "botocore", "s3transfer", "keyring", "jmespath")


def loaded(mode: str, *args: str, cwd: str | None = None) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, mode, *args], capture_output=True, text=True, check=True,
                         cwd=cwd).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [("--version",), ("list",), ("config", "--list")])
def test_start_up_imports_nothing_heavy(args: tuple[str, ...], tmp_path: object) -> None:
    with_plugin = loaded("plugin", *args, cwd=str(tmp_path))
    plain = loaded("plain", *args, cwd=str(tmp_path))
    assert any(name.startswith("poetry_codeartifact") for name in with_plugin)  # the plugin did load
    extra = {name for name in with_plugin - plain if not name.startswith("poetry_codeartifact")}
    heavy = {name for name in with_plugin if name.split(".")[0] in HEAVY}
    assert heavy <= {name for name in plain if name.split(".")[0] in HEAVY}, heavy
    assert not {name for name in extra if name.split(".")[0] in HEAVY}, extra
    ours = {name for name in with_plugin if name.startswith("poetry_codeartifact")}
    core = {"poetry_codeartifact", "poetry_codeartifact.hook", "poetry_codeartifact.plugin"}
    if args == ("list",):  # `list` builds every command for its description: the command modules only
        commands = {name for name in ours - core if name.startswith("poetry_codeartifact.commands")}
        assert ours - core - commands == {"poetry_codeartifact.errors"}, ours
    else:
        assert ours == core, ours
