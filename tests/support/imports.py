"""Which modules a Poetry command loads, measured in a fresh interpreter (issue 5).

A fresh process is the only honest measure: anything another test imported would hide a cost.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
output, errors = BufferedOutput(), BufferedOutput()
code = app.run(ArgvInput(["poetry", *args]), output, errors)  # loads plugins, runs
assert code == 0, (code, output.fetch(), errors.fetch())
print(json.dumps(sorted(set(sys.modules) - before)))
"""

# Modules the plugin must never load unless a token is actually fetched.
HEAVY = ("boto3", "botocore", "s3transfer", "keyring", "jmespath")


def loaded(mode: str, *args: str, cwd: str | None = None) -> set[str]:
    """The modules ``poetry *args`` loads, with the plugin (``mode="plugin"``) or without it
    (``"plain"``: ``--no-plugins``)."""
    out = subprocess.run([sys.executable, "-c", PROBE, mode, *args], capture_output=True, text=True, check=True,
                         cwd=cwd).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> set[str]:
    return {name for name in modules if name.split(".")[0] in HEAVY}
