"""A user's machine for end-to-end tests: a real ``poetry`` (its own virtualenv, the plugin
installed into it from the built wheel), an isolated HOME and Poetry config, fake AWS
credentials, boto3 pointed at the stand-in, and the network safety net.

Every command's output is checked for tokens (``tools/poetry_runner.py``): no test can pass
while one leaks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tools.leaks import LeakDetector
from tools.poetry_runner import PoetryRunner
from tools.sandbox import pyproject, user_env
from tools.standin import TOKEN_PREFIX, StandIn

if TYPE_CHECKING:
    from tools.poetry_runner import Result
    from tools.standin import OwnServer

POETRY = os.environ.get("POETRY_CODEARTIFACT_TEST_POETRY", "")
POETRY_VERSION = os.environ.get("POETRY_CODEARTIFACT_TEST_POETRY_VERSION", "")
BASELINE = os.environ.get("POETRY_CODEARTIFACT_TEST_BASELINE", "")
# The same Poetry with other plugins installed next to this one (poetry-plugin-up, export).
WITH_OTHER_PLUGINS = os.environ.get("POETRY_CODEARTIFACT_TEST_PLUGINS", "")
# Every wheel of Poetry's own environment, for `poetry self add` from a CodeArtifact source.
WHEELHOUSE = os.environ.get("POETRY_CODEARTIFACT_TEST_WHEELHOUSE", "")
IS_POETRY_1 = POETRY_VERSION.startswith("1.")
# The bin folder of a venv with the AWS CLI and pipx, which some of the README's commands call.
README_TOOLS = os.environ.get("POETRY_CODEARTIFACT_TEST_README_TOOLS", "")


def readme_tools_bin(root: Path, *names: str) -> Path:
    """A folder for PATH with only ``names`` (``aws``, ``pipx``) of the README tools' venv: not its
    ``python3``, which Poetry would otherwise pick for a project's virtualenv."""
    folder = root / "readme-tools-bin"
    folder.mkdir(exist_ok=True)
    for name in names:
        if not (folder / name).exists():
            (folder / name).symlink_to(Path(README_TOOLS) / name)
    return folder


def fresh_poetry(root: Path) -> Path:
    """``bin/poetry`` of a new virtualenv with Poetry alone in it, as `pipx install poetry` or the
    official installer leave it (no plugin), installed from the local wheelhouse (no network).

    The first one of a test session is built with pip; later ones are copies of it with their
    scripts pointed at their own interpreter, which is what a fresh install would give, faster."""
    env = root / "fresh-poetry"
    if not _FRESH:
        template = Path(tempfile.mkdtemp(prefix="fresh-poetry-")) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(template)], check=True)
        # pip as the wheelhouse has it (as tools/venvs.py upgrades it): Poetry pins its own
        # environment's packages when it installs a project's required plugins.
        pip_install(template, "--upgrade", "pip", f"poetry=={POETRY_VERSION}")
        _FRESH.append(template)
    template = _FRESH[0]
    shutil.copytree(template, env, symlinks=True)
    for script in (env / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            text = script.read_bytes()
            if text.startswith(b"#!") and str(template).encode() in text.split(b"\n", 1)[0]:
                first, _, rest = text.partition(b"\n")
                script.write_bytes(first.replace(str(template).encode(), str(env).encode()) + b"\n" + rest)
    return env / "bin" / "poetry"


_FRESH: list[Path] = []  # this session's template of fresh_poetry()


def pip_install(env: Path, *requirements: str) -> None:
    """``pip install`` into virtualenv ``env`` from the wheelhouse only."""
    subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
         "--find-links", WHEELHOUSE, *requirements],
        check=True, capture_output=True, text=True,
    )


class User(PoetryRunner):
    """A user's machine and its ``poetry``: commands run in ``root`` unless given a ``cwd``."""

    def __init__(self, root: Path, standin: StandIn, poetry: str = POETRY) -> None:
        super().__init__(poetry, user_env(root, standin.url, trusted=standin.hosts()), POETRY_VERSION, cwd=root,
                         secrets=self.all_secrets, files=self.written_files, file_secrets=standin.all_issued)
        self.root = root
        self.standin = standin
        self.own_secrets: list[str] = []  # the user's own passwords and PyPI tokens in this test
        self.home = root / "home"
        self.config_dir = root / "poetry-config"
        # virtualenv's seed wheels and interpreter data, extracted once per session rather than
        # for every project's .venv (tests/conftest.py keeps this folder out of the real home).
        if app_data := os.environ.get("VIRTUALENV_OVERRIDE_APP_DATA"):
            self.env["VIRTUALENV_OVERRIDE_APP_DATA"] = app_data

    def project(self, name: str, *, package: bool = False) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        (path / "pyproject.toml").write_text(pyproject(name, package=package))
        if package:
            module = path / name.replace("-", "_")
            module.mkdir(exist_ok=True)
            (module / "__init__.py").write_text('"""A private package."""\n')
        return path

    def add_source(self, cwd: Path, name: str, repo: str, *extra: str) -> Result:
        r = self.standin.repos[repo]
        return self.run("codeartifact", "add-source", name, "--url", self.standin.repo_url(repo),
                        "--domain", r.domain, "--domain-owner", r.owner, "--region", r.region, *extra, cwd=cwd)

    def expire_tokens(self, cwd: Path, *names: str, seconds: float = 4.0) -> None:
        """Log in with a short-lived token, then wait until it has expired for real."""
        self.standin.set_lifetime(seconds)
        self.run("codeartifact", "login", *names, cwd=cwd)
        self.standin.set_lifetime(12 * 3600)
        time.sleep(seconds + 0.5)

    def add_dependency(self, cwd: Path, requirement: str) -> None:
        """Declare a dependency in pyproject.toml without resolving it (Poetry 1.8 and 2.x alike)."""
        path = cwd / "pyproject.toml"
        name, _, constraint = requirement.partition("=")
        text = path.read_text().replace('python = ">=3.9"\n', f'python = ">=3.9"\n{name} = "{constraint or "*"}"\n', 1)
        path.write_text(text)

    def all_secrets(self) -> list[str]:
        """Every token the stand-in ever issued in this test, and the user's own credentials."""
        return [*self.standin.all_issued(), *self.own_secrets]

    def written_files(self) -> list[Path]:
        """Every file under the user's root that must never hold a secret: projects (pyproject,
        poetry.lock, requirements, dist), Poetry's config (auth.toml, config.toml) and the plugin's
        state; not the plugin's own owner-only token store, Poetry's caches or virtualenvs (any
        folder with a ``pyvenv.cfg``, whatever its name)."""
        skip = {"codeartifact-tokens.json", "keyring.json"}  # the stores tokens are meant to be in
        pruned = {".venv", "poetry-cache", "poetry-data", "fresh-poetry", "keyrings", ".poetry"}
        found = []
        for folder, folders, files in os.walk(self.root):
            folders[:] = [name for name in folders
                          if name not in pruned and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))]
            found += [Path(folder) / name for name in files if name not in skip]
        return [path for path in found if path.is_file() and not path.is_symlink()]

    def secrets_at(self, server: OwnServer) -> list[str]:
        """What ``server`` received of this test's secrets (tokens, the user's own credentials),
        in any header, path, query or body: a description of each trace, never the secret."""
        detector = LeakDetector(self.all_secrets())
        return [f"{r.method} {r.path.split('?')[0]}: {leak.describe()}"
                for r in server.records for leak in detector.find(r.text())]

    def files_with_tokens(self) -> list[Path]:
        """Files under the user's root that contain a token, apart from the plugin's token store
        (auth.toml, pyproject.toml, lock and state files must never hold one)."""
        found = []
        for path in self.root.rglob("*"):
            if path.is_file() and path.name != "codeartifact-tokens.json" and ".venv" not in path.parts:
                try:
                    if TOKEN_PREFIX.encode() in path.read_bytes():
                        found.append(path)
                except OSError:
                    pass
        return found
