"""Issue 14, item 1: the plugin installs into a fresh Poetry by each path the README documents.

Each test starts from a Poetry that has never seen the plugin: a new virtualenv with only
Poetry in it, installed from the local wheelhouse (what PyPI would give). The plugin is the wheel
that tools/test.py just built (``dist/``), or this source tree. Its dependencies (boto3 and the
rest) come from a plain local index standing in for PyPI, since these machines cannot resolve
Poetry's own lookups against PyPI and tests talk to 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.user import (
    IS_POETRY_1,
    POETRY_VERSION,
    README_TOOLS,
    WHEELHOUSE,
    User,
    fresh_poetry,
    readme_tools_bin,
)
from tools import ROOT
from tools.standin import PlainIndex
from tools.venvs import DIST, POETRY_VERSIONS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tools.standin import StandIn

pytestmark = pytest.mark.skipif(not WHEELHOUSE, reason="run through tools/test.py")


def _wheel() -> Path:
    (wheel,) = DIST.glob("poetry_codeartifact-*.whl")
    return wheel


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PlainIndex]:
    """A plain index standing in for PyPI: every wheel of Poetry's environment with boto3."""
    root = tmp_path / "pypi"
    root.mkdir()
    for wheel in Path(WHEELHOUSE).glob("*"):
        (root / wheel.name).symlink_to(wheel)
    with PlainIndex(root) as server:
        yield server


@pytest.fixture
def newcomer(user: User, tmp_path: Path) -> User:
    """The user's machine with a fresh Poetry that has no plugin yet."""
    user.poetry = str(fresh_poetry(tmp_path))
    return user


def _use_index_for_poetry_itself(user: User, index: PlainIndex) -> None:
    """Poetry's own project (in its config directory) reads the local index where it would read PyPI."""
    user.config_dir.mkdir(parents=True, exist_ok=True)
    (user.config_dir / "pyproject.toml").write_text(
        f'[[tool.poetry.source]]\nname = "pypi-local"\nurl = "{index.url}"\npriority = "primary"\n'
    )


def _assert_active_and_working(user: User, standin: StandIn) -> None:
    """The plugin is the one Poetry loaded, and it works: add-source logs in with boto3 (so its
    dependencies came along) and writes the source."""
    plugins = user.run("self", "show", "plugins").out
    assert "poetry-codeartifact (0." in plugins
    assert "Use AWS CodeArtifact from Poetry like a native package index" in plugins  # not the namesake
    first = user.run("codeartifact").out.splitlines()[0]
    assert first.startswith("poetry-codeartifact 0.")
    assert str(Path(user.poetry).parent.parent) in first  # loaded from the fresh Poetry's environment
    app = user.project("app")
    added = user.add_source(app, "private", "private")
    assert "Logged in" in added.out
    assert standin.token_calls() == 1
    assert "private (source, primary)" in user.run("codeartifact", "status", cwd=app).out


def _readme_line(start: str) -> str:
    """The README's command line that starts with ``start``, exactly as written there."""
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith(start):
            return line
    raise AssertionError(f"the README shows no command starting with {start!r}")


def test_poetry_self_add_of_the_built_wheel(
    newcomer: User, standin: StandIn, index: PlainIndex, tmp_path: Path
) -> None:
    """The README's line, as written, run by a shell in a clone whose dist/ holds the wheel."""
    _use_index_for_poetry_itself(newcomer, index)
    newcomer.run("codeartifact", check=False)  # not installed yet: nothing to see
    clone = tmp_path / "clone"
    (clone / "dist").mkdir(parents=True)
    shutil.copy2(_wheel(), clone / "dist")
    line = _readme_line('poetry self add "$PWD/dist/')
    path = f"{Path(newcomer.poetry).parent}:{newcomer.env['PATH']}"
    newcomer.run("-c", line, program="bash", cwd=clone, env={"PATH": path})
    _assert_active_and_working(newcomer, standin)


def _clone(tmp_path: Path) -> Path:
    """This repository's files as a fresh clone has them (what git tracks, nothing built)."""
    clone = tmp_path / "poetry-codeartifact"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    return clone


@pytest.mark.skipif(IS_POETRY_1, reason="the README builds with Poetry 2.x (Poetry 1.8 cannot read [project])")
def test_poetry_build_makes_a_wheel_and_sdist_that_twine_accepts(user: User, tmp_path: Path) -> None:
    """The README's `poetry build`, in a fresh clone: complete metadata, LICENSE and CHANGELOG."""
    clone = _clone(tmp_path)
    user.run("build", cwd=clone)
    (wheel,) = (clone / "dist").glob("poetry_codeartifact-*.whl")
    (sdist,) = (clone / "dist").glob("poetry_codeartifact-*.tar.gz")
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    # poetry-core 2.1+ (Poetry 2.5.1) writes PEP 639's licenses/ folder; 2.0 (Poetry 2.0.1) the older form
    assert any(".dist-info/" in name and name.endswith("/LICENSE") for name in names)
    assert "poetry_codeartifact/py.typed" in names
    assert "Requires-Python: >=3.10" in metadata
    assert "Classifier: Programming Language :: Python :: 3.13" in metadata
    assert "License-Expression: MIT" in metadata or "License: MIT" in metadata
    with tarfile.open(sdist) as archive:
        assert any(member.name.endswith("/CHANGELOG.md") for member in archive.getmembers())


def test_poetry_self_add_of_the_source_tree(
    newcomer: User, standin: StandIn, index: PlainIndex, tmp_path: Path
) -> None:
    """A clone of this repository, added by path: Poetry builds it with poetry-core >= 2."""
    clone = _clone(tmp_path)
    _use_index_for_poetry_itself(newcomer, index)
    line = _readme_line('poetry self add "$PWD"')  # as the README writes it, from the clone's folder
    path = f"{Path(newcomer.poetry).parent}:{newcomer.env['PATH']}"
    newcomer.run("-c", line, program="bash", cwd=clone, env={"PATH": path, "PIP_INDEX_URL": index.url})
    _assert_active_and_working(newcomer, standin)


@pytest.mark.skipif(not README_TOOLS, reason="run through tools/test.py (it builds pipx's venv)")
@pytest.mark.skipif(POETRY_VERSIONS[-1] != POETRY_VERSION, reason="the same pipx steps for every Poetry")
def test_pipx_inject_of_the_built_wheel(
    user: User, standin: StandIn, index: PlainIndex, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The README's `pipx inject` line, as written, into a Poetry that `pipx install poetry` made
    (both from the wheelhouse standing in for PyPI), in a clone whose dist/ holds the wheel."""
    apps = tmp_path_factory.mktemp("pipx")  # outside the user's folder, which every run scans for leaks
    pipx = {"PIPX_HOME": str(apps / "home"), "PIPX_BIN_DIR": str(apps / "bin"), "PIPX_MAN_DIR": str(apps / "man"),
            "PIPX_DEFAULT_PYTHON": sys.executable,  # the Python this Poetry version is tested on
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": WHEELHOUSE,
            "PATH": f"{readme_tools_bin(tmp_path, 'pipx')}:{user.env['PATH']}"}
    user.run("install", f"poetry=={POETRY_VERSION}", program="pipx", env=pipx)
    clone = tmp_path / "clone"
    (clone / "dist").mkdir(parents=True)
    shutil.copy2(_wheel(), clone / "dist")
    user.run("-c", _readme_line("pipx inject poetry "), program="bash", cwd=clone, env=pipx)
    user.poetry = str(apps / "bin" / "poetry")
    _use_index_for_poetry_itself(user, index)
    _assert_active_and_working(user, standin)
