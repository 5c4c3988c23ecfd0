"""Every command the README shows is run by a test as it is written there (issue 19, item 3).

The README's ``console`` blocks are read here and each command is looked up in ``RUN_BY``: the
test that runs it verbatim, through a shell, in the working directory the README implies. A
command added to the README without a test, or a test entry whose command left the README,
fails ``test_every_readme_command_is_run_by_a_test``.

The quickstart runs on the production path (tests/e2e/test_production_path.py): CodeArtifact's
real host names over https through a CONNECT proxy that answers from a stand-in serving the
README's own domain (``my-domain``, owner 111122223333, eu-west-1, repository ``my-repo``), with
the real AWS CLI (version 1, from PyPI) where the README calls ``aws``. It runs on the newest
tested Poetry only; the demo too (it builds and runs the newest one by default).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_install import _clone
from tests.e2e.test_production_path import production, proxy_for
from tests.support.user import POETRY_VERSION, README_TOOLS, User, readme_tools_bin
from tools import ROOT
from tools.standin import StandIn
from tools.venvs import POETRY_VERSIONS
from tools.wheels import make_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tools.tls_proxy import TlsProxy

README = ROOT / "README.md"
NEWEST = POETRY_VERSIONS[-1] == POETRY_VERSION
DOMAIN, OWNER, REGION, REPOSITORY = "my-domain", "111122223333", "eu-west-1", "my-repo"
HOST = f"{DOMAIN}-{OWNER}.d.codeartifact.{REGION}.amazonaws.com"

# Each README command (its first line, as written) -> the test that runs it as written, or why
# no test can (then it starts with "not run:").
QUICKSTART = "tests/e2e/test_readme.py::test_quickstart_as_written"
INSTALL = "tests/e2e/test_install.py"
RUN_BY = {
    "python3 tools/demo.py": "tests/e2e/test_readme.py::test_the_demo_as_written",
    "git clone <this repository> poetry-codeartifact":
        "not run: the reader's clone URL; tests/e2e/test_install.py::_clone copies what git tracks instead",
    "cd poetry-codeartifact":
        f"{INSTALL}::test_poetry_build_makes_a_wheel_and_sdist_that_twine_accepts (its working directory)",
    "poetry build                  # Poetry 2.x; or: pipx run build, python3 -m build":
        f"{INSTALL}::test_poetry_build_makes_a_wheel_and_sdist_that_twine_accepts",
    'poetry self add "$PWD/dist/poetry_codeartifact-0.2.0-py3-none-any.whl"  # any Poetry 1.8 or 2.x':
        f"{INSTALL}::test_poetry_self_add_of_the_built_wheel",
    "pipx inject poetry ./dist/poetry_codeartifact-0.2.0-py3-none-any.whl     # Poetry installed with pipx":
        f"{INSTALL}::test_pipx_inject_of_the_built_wheel",
    'poetry self add "$PWD"                                                 # the source tree itself':
        f"{INSTALL}::test_poetry_self_add_of_the_source_tree",
    "poetry self show plugins": f"{INSTALL}::_assert_active_and_working",
    "poetry codeartifact": f"{INSTALL}::_assert_active_and_working",
    "POETRY_HTTP_BASIC_PRIVATE_USERNAME=aws \\":
        "tests/e2e/test_requires_plugins.py::test_one_run_with_a_cli_token_installs_the_plugin_then_it_takes_over",
    "export TOKEN=$(aws codeartifact get-authorization-token --domain my-domain \\": QUICKSTART,
    "poetry source add --priority=primary private \\": QUICKSTART,
    'poetry config http-basic.private aws "$TOKEN"': QUICKSTART,
    "poetry config repositories.private \\": QUICKSTART,
    "poetry codeartifact add-source private \\": QUICKSTART,
    "poetry codeartifact add-source private --domain my-domain --repository my-repo \\": QUICKSTART,
    "poetry add my-private-package        # the token is already there": QUICKSTART,
    "poetry publish --build -r private    # uploads to CodeArtifact": QUICKSTART,
    "poetry install                       # refreshes the expired token by itself, then installs": QUICKSTART,
    "poetry codeartifact doctor": "tests/e2e/test_doctor.py (the README shows an example of its output)",
    "export UV_INDEX_PRIVATE_PASSWORD=$(poetry codeartifact token private)": QUICKSTART,
    "python3 tools/test.py        # the whole test suite: Poetry 1.8.5, 2.0.1 and 2.5.1": ".ci/run (CI runs it)",
    "python3 tools/demo.py        # the demo described above": "tests/e2e/test_readme.py::test_the_demo_as_written",
    "python3 benchmarks/run.py    # the performance benchmark (not part of the tests)":
        "not run: it takes about 15 minutes; its figures are in the README's Performance section",
    "python3 tools/mutation.py     # mutmut over endpoint, pyproject_edit, settings, credentials, state":
        "not run: it takes about an hour on two cores; its figures are in the README's Development section",
}


def readme_commands(text: str) -> list[str]:
    """The commands of the README's ``console`` blocks (and of untagged blocks with ``$``
    prompts), as written: continuation lines joined (with their line breaks), comment lines left
    out; in a block with ``$`` prompts, only the prompted lines (the rest is output)."""
    commands: list[str] = []
    for kind, block in re.findall(r"^```(\w*)\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        lines = block.splitlines()
        prompted = any(line.startswith("$ ") for line in lines)
        if kind != "console" and not (kind == "" and prompted):
            continue  # toml, yaml, or output alone
        current: list[str] = []
        for line in lines:
            if current:
                current.append(line)
            elif prompted and line.startswith("$ "):
                current = [line[2:]]
            elif not prompted and line.strip() and not line.lstrip().startswith("#"):
                current = [line]
            if current and not current[-1].endswith("\\"):
                commands.append("\n".join(current))
                current = []
    return commands


def test_every_readme_command_is_run_by_a_test() -> None:
    commands = readme_commands(README.read_text())
    first_lines = [command.splitlines()[0] for command in commands]
    assert len(first_lines) > 20  # the parser found the README's blocks
    assert [line for line in first_lines if line not in RUN_BY] == []
    assert [line for line in RUN_BY if line not in first_lines] == []  # no entry for a command the README dropped
    for line, where in RUN_BY.items():
        if where.startswith("not run:"):
            continue
        path, _, name = where.partition(" ")[0].partition("::")
        assert (ROOT / path).is_file(), (line, where)
        assert not name or f"def {name}(" in (ROOT / path).read_text(), (line, where)


def test_readme_commands_parser() -> None:
    text = ("intro\n```console\n# a comment\nfoo \\\n    --bar\nbaz  # trailing\n```\n"
            "```console\n$ one\noutput\n$ two \\\n  three\n```\n```toml\nx = 1\n```\n"
            "```\n$ four\noutput\n```\n```\nonly output\n```\n")
    assert readme_commands(text) == ["foo \\\n    --bar", "baz  # trailing", "one", "two \\\n  three", "four"]


def block_after(marker: str) -> str:
    """The README's console block right after the line ``marker``, as written."""
    text = README.read_text()
    start = text.index("```console\n", text.index(marker)) + len("```console\n")
    return text[start : text.index("```", start)]


newest_only = pytest.mark.skipif(not NEWEST, reason=f"runs on the newest tested Poetry ({POETRY_VERSIONS[-1]}) only")
needs_cli = pytest.mark.skipif(not README_TOOLS, reason="run through tools/test.py (it builds the AWS CLI's venv)")


@pytest.fixture
def readme_domain(tmp_path: Path) -> Iterator[tuple[StandIn, TlsProxy]]:
    """A stand-in serving the README's domain and repository (with ``my-private-package`` in
    it), behind the TLS proxy, as AWS would answer on those host names."""
    with StandIn(tmp_path / "standin", repos=((DOMAIN, OWNER, REGION, REPOSITORY),)) as standin:
        make_wheel(standin.repos[REPOSITORY].root, "my-private-package", "1.0.0")
        standin.real_host_names = True
        with proxy_for(standin) as proxy:
            yield standin, proxy


def machine(root: Path, standin: StandIn, proxy: TlsProxy) -> User:
    """A user's machine on the production path, with ``poetry`` and ``aws`` on its PATH."""
    user = User(root, standin)
    production(user, proxy, root)
    user.env["PATH"] = os.pathsep.join([str(Path(user.poetry).parent), str(readme_tools_bin(root, "aws")),
                                        user.env["PATH"]])
    return user


def shell(user: User, script: str, cwd: Path, **kwargs: object) -> str:
    return user.run("-c", f"set -e\n{script}", program="bash", cwd=cwd, **kwargs).out  # type: ignore[arg-type]


@newest_only
@needs_cli
def test_quickstart_as_written(readme_domain: tuple[StandIn, TlsProxy], tmp_path: Path) -> None:
    standin, proxy = readme_domain
    url = f"https://{HOST}/pypi/{REPOSITORY}/"

    # The manual ritual, on a machine without the plugin's help: the AWS CLI's token by hand.
    before = machine(tmp_path / "before", standin, proxy)
    manual = before.project("manual")
    ritual = block_after("Without the plugin, every developer")
    shell(before, ritual, manual, writes_credentials_to=(before.config_dir / "auth.toml",))
    assert f'url = "{url}simple/"' in (manual / "pyproject.toml").read_text()
    assert f'url = "{url}"' in (before.config_dir / "config.toml").read_text()
    assert 'username = "aws"' in (before.config_dir / "auth.toml").read_text()
    assert standin.token_calls(DOMAIN) == 1  # the AWS CLI's GetAuthorizationToken

    # With the plugin: add-source in each documented form, then the everyday commands.
    after = machine(tmp_path / "after", standin, proxy)
    app, other = after.project("app", package=True), after.project("other")
    added = shell(after, block_after("With the plugin, you do it once:"), app)
    assert f"Logged in to {DOMAIN}/{REPOSITORY}" in added
    shell(after, block_after("or, if you'd rather not copy the URL:"), other)
    for project in (app, other):
        assert f'url = "{url}simple/"' in (project / "pyproject.toml").read_text()
    assert standin.token_calls(DOMAIN) == 2  # the second add-source reused the stored token

    everyday, later = block_after("After that:").split("# ...a day later\n")
    out = shell(after, everyday, app)
    assert "my-private-package (1.0.0)" in out
    assert "Publishing app (0.1.0) to private" in out
    assert standin.state.uploads == [REPOSITORY, REPOSITORY]  # wheel and sdist
    after.expire_tokens(app)  # "a day later": the stored token has expired
    calls = standin.token_calls(DOMAIN)
    shell(after, later, app)
    assert standin.token_calls(DOMAIN) == calls + 1

    # For tools that are not Poetry: the variable holds the valid token (compared by hash only).
    token_line = block_after("for tools that are not Poetry:")
    digest = shell(after, f'{token_line}printf %s "$UV_INDEX_PRIVATE_PASSWORD" | sha256sum', app).split()[0]
    assert digest in {hashlib.sha256(token.encode()).hexdigest() for token in standin.all_issued()}
    assert set(proxy.connects) <= {f"{HOST}:443", f"codeartifact.{REGION}.amazonaws.com:443"}
    assert proxy.refused == []


@newest_only
def test_the_demo_as_written(tmp_path: Path) -> None:
    """``python3 tools/demo.py`` in a clone (its virtualenvs are this checkout's, already built)."""
    clone = _clone(tmp_path)
    (clone / ".venvs").symlink_to(ROOT / ".venvs")
    line = next(command for command in readme_commands(README.read_text()) if command.startswith("python3 tools/demo"))
    process = subprocess.run(["bash", "-c", line], cwd=clone, capture_output=True, text=True, timeout=900,
                             stdin=subprocess.DEVNULL, check=False)  # the machine's own python3
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    assert "The walk-through took" in process.stdout
    assert "DEMO FAILED" not in process.stdout
    shutil.rmtree(clone / ".demo", ignore_errors=True)
