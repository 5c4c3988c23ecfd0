"""The developer tools of poetry-codeartifact: the test runner, the demo, the local CodeArtifact
stand-in, the virtualenvs they run in and the harness that runs a real ``poetry``.

A package: run its programs from the repository root as ``python -m tools.test``, ``python -m
tools.demo`` or ``python -m tools.standin serve ...``, or as ``python3 tools/test.py`` and
``python3 tools/demo.py`` from anywhere (those put the repository root on ``sys.path`` first).
A child process that runs one of them gets :func:`importable`'s environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

ROOT = Path(__file__).resolve().parent.parent


def importable(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with the repository root first on ``PYTHONPATH``: ``python -m tools.standin`` (or any
    module of this repository) then works in a child process, whatever its working directory."""
    paths = [str(ROOT), *(path for path in env.get("PYTHONPATH", "").split(os.pathsep) if path)]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}
