"""Driving a real, in-process Poetry application with cleo's ApplicationTester."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cleo.testers.application_tester import ApplicationTester
from poetry.config.config import Config
from poetry.console.application import Application

from tools.poetry_runner import Result
from tools.standin import TOKEN_PREFIX

if TYPE_CHECKING:
    from pathlib import Path

    from tools.standin import StandIn

PYPROJECT = """\
[tool.poetry]
name = "app"
version = "0.1.0"
description = "A project that installs private packages"   # a comment to keep
authors = ["Dev <dev@example.com>"]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.9"

[tool.black]
line-length = 100
"""


def run(args: str) -> Result:
    Config.create(reload=True)  # a new Poetry process reads its config afresh
    app = Application()
    app.auto_exits(False)
    tester = ApplicationTester(app)
    code = tester.execute(args, decorated=False)
    return Result(code, tester.io.fetch_output(), tester.io.fetch_error(), tuple(args.split()))


def snapshot(*paths: Path) -> dict[Path, bytes | None]:
    """Every file under ``paths`` with its bytes, to prove that nothing changed."""
    files: dict[Path, bytes | None] = {}
    for path in paths:
        if not path.exists():
            continue  # a file that appears later shows up as a new entry
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.name != "codeartifact-state.json.lock":  # the plugin's empty lock file
                    files[file] = file.read_bytes()
        else:
            files[path] = path.read_bytes() if path.exists() else None
    return files


def status_json() -> dict[str, Any]:
    """``codeartifact status --format json``, parsed, with no token in it."""
    result = run("codeartifact status --format json")
    assert result.code == 0, result.text
    assert TOKEN_PREFIX not in result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


def add_sources(standin: StandIn, *sources: tuple[str, str, str]) -> None:
    """``add-source NAME --no-login`` for each (name, repository, priority) of the stand-in."""
    for name, repo, priority in sources:
        r = standin.repos[repo]
        result = run(f"codeartifact add-source {name} --url {standin.repo_url(repo)} --domain {r.domain} "
                     f"--domain-owner {r.owner} --region {r.region} --priority {priority} --no-login")
        assert result.code == 0, result.text
