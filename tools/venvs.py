"""Virtualenvs for the tests, the demo and the benchmarks, built from PyPI with only Python 3.

Each tested Poetry version runs on its own Python (``PYTHONS``): together they cover the oldest
and the newest Python the package declares without multiplying the matrix. The venvs of a
version are made with that Python (``python3.X -m venv``), found as ``python3.X`` on PATH or
under ``~/.pyenv/versions/3.X*/bin``.

Per tested Poetry version there are these (and ``plugins-<V>``, ``wheelhouse-<V>`` below):

* ``.venvs/poetry-<V>``: Poetry as a user has it, with this plugin installed into Poetry's own
  environment from the freshly built wheel (what ``poetry self add`` does). End-to-end tests,
  the demo and the benchmarks run this ``bin/poetry``.
* ``.venvs/test-<V>``: pytest, pypiserver (for the stand-in) and the same Poetry, with the
  plugin installed editable, for the unit and command tests.

``.venvs/readme-tools`` (one for all versions) has the AWS CLI and pipx, which the README's
commands call and its tests run as written.

A venv is rebuilt only when what it should contain changes, or its Python does (a stamp file
records both). Building reads nothing from and writes nothing to the user's home: pip's cache
is ``.venvs/.cache/pip``, HOME and the XDG folders point into ``.venvs/.home`` (pip still reads
the user's pip.conf, through PIP_CONFIG_FILE, so that a configured mirror keeps working).
The versions build at the same time (``prepare(jobs=...)``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from tools import ROOT

VENVS = ROOT / ".venvs"
DIST = ROOT / "dist"
POETRY_VERSIONS = ("1.8.5", "2.0.1", "2.5.1")
# The Python each Poetry version is tested on: the oldest (3.10) and the newest (3.13) that the
# package declares, and one in between; one Python per Poetry version keeps the matrix at three.
PYTHONS = {"1.8.5": "3.10", "2.0.1": "3.12", "2.5.1": "3.13"}
# The README's benchmark table compares these (benchmarks/run.py's default).
BENCHMARKED_VERSIONS = ("1.8.5", "2.5.1")
TEST_TOOLS = ("pytest>=8", "pypiserver>=2.1", "twine>=5", "keyring>=24", "ruff>=0.6", "mypy>=1.10",
              "boto3-stubs[codeartifact,sts]", "hypothesis>=6.100", "trustme>=1.1")
# Not installed by Poetry: only the stand-in and the demo need these next to a user's Poetry.
BASELINE = "baseline"


_print_lock = threading.Lock()


def log(message: str) -> None:
    with _print_lock:
        print(f"[venvs] {message}", flush=True)


class Python(NamedTuple):
    path: Path  # the interpreter itself (a pyenv shim resolved to the real binary)
    version: str  # its full sys.version: part of every stamp


class PythonNotFound(RuntimeError):
    pass


def _probe(candidate: str, minor: str) -> Python | None:
    """``candidate`` if it runs and is Python ``minor`` (a pyenv shim may exist and still fail)."""
    code = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable); print(sys.version)"
    try:
        process = subprocess.run([candidate, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = process.stdout.splitlines()
    if process.returncode or len(lines) < 3 or lines[0] != minor:
        return None
    return Python(Path(lines[1]), " ".join(lines[2:]))


@functools.cache
def find_python(minor: str) -> Python | None:
    """Python ``minor`` ("3.10"): ``python3.10`` on PATH, else the newest
    ``~/.pyenv/versions/3.10*/bin/python3.10``."""
    candidates = [found] if (found := shutil.which(f"python{minor}")) else []
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    patch = lambda p: int(p.parent.parent.name.split(".")[2].split("-")[0] or 0)  # noqa: E731
    installed = [p for p in pyenv.glob(f"{minor}.*/bin/python{minor}") if p.parent.parent.name.count(".") == 2]
    candidates += [str(p) for p in sorted(installed, key=patch, reverse=True)]
    for candidate in candidates:
        if python := _probe(candidate, minor):
            return python
    return None


def python_for(version: str, *, strict: bool) -> Python:
    """The Python that Poetry ``version`` is tested on. Missing: ``strict`` raises PythonNotFound
    with what to do; otherwise the Python running this script stands in, with a warning."""
    minor = PYTHONS.get(version, f"{sys.version_info[0]}.{sys.version_info[1]}")
    if python := find_python(minor):
        return python
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    advice = (f"Poetry {version} is tested on Python {minor}, which is not installed here: neither "
              f"python{minor} on PATH nor ~/.pyenv/versions/{minor}*/bin/python{minor} runs. Install it "
              f"(e.g. `pyenv install {minor}`)")
    if strict:
        raise PythonNotFound(f"{advice}, or pass --any-python to run Poetry {version} on this "
                             f"Python {running} instead (not the tested matrix).")
    log(f"WARNING: {advice}. Using this Python {running} instead.")
    return Python(Path(sys.executable), sys.version)


def bin_path(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _pip(env: Path, *args: str) -> None:
    command = [str(bin_path(env, "python")), "-m", "pip", "--disable-pip-version-check", "-q", *args]
    subprocess.run(command, check=True, env=_clean_env())


# HOME, the XDG folders and pip's cache while building: nothing lands in the user's home.
BUILD_HOME = VENVS / ".home"
PIP_CACHE = VENVS / ".cache" / "pip"


def _user_pip_config() -> str | None:
    home = Path(os.environ.get("HOME") or Path.home())
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    for path in (xdg / "pip" / "pip.conf", home / ".pip" / "pip.conf"):
        if path.is_file():
            return str(path)
    return None


def _clean_env() -> dict[str, str]:
    # Building venvs needs PyPI: drop any test safety-net proxy inherited from a caller.
    dropped = ("HTTP_PROXY", "HTTPS_PROXY", "PIP_REQUIRE_VIRTUALENV")
    env = {k: v for k, v in os.environ.items() if k.upper() not in dropped}
    if "PIP_CONFIG_FILE" not in env and (config := _user_pip_config()):
        env["PIP_CONFIG_FILE"] = config
    env.update(isolated_home(BUILD_HOME))
    env["PIP_CACHE_DIR"] = str(PIP_CACHE)
    env["PIP_NO_INPUT"] = "1"
    return env


def isolated_home(home: Path) -> dict[str, str]:
    """Environment variables that keep pip, virtualenv and Poetry out of the real home: every
    folder they write to (config, cache, data) is under ``home``. Shared with tests/conftest.py."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "POETRY_CONFIG_DIR": str(home / ".config" / "pypoetry"),
        "POETRY_CACHE_DIR": str(home / ".cache" / "pypoetry"),
        "POETRY_DATA_DIR": str(home / ".local" / "share" / "pypoetry"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(home / ".local" / "share" / "virtualenv"),
        "PIP_CACHE_DIR": str(home / ".cache" / "pip"),
    }


def _ensure(env: Path, requirements: list[str], python: Python, stamp_extra: str = "") -> bool:
    """Create ``env`` with ``python`` and ``requirements`` unless its stamp says it already has them."""
    wanted = hashlib.sha256(("\n".join(requirements) + stamp_extra + python.version).encode()).hexdigest()
    stamp = env / ".stamp"
    if stamp.exists() and stamp.read_text() == wanted and bin_path(env, "python").exists():
        return False
    if env.exists():
        shutil.rmtree(env)
    log(f"creating {env.relative_to(ROOT)} (Python {python.version.split()[0]})")
    subprocess.run([str(python.path), "-m", "venv", "--clear", str(env)], check=True, env=_clean_env())
    # The pip each Python bundles does (no upgrade: one download and install less per venv), and
    # modules are compiled when first imported, not all at install: most are never imported here.
    _pip(env, "install", "--no-compile", *requirements)
    stamp.write_text(wanted)
    return True


def build_wheel(python: Path) -> Path:
    """Build this plugin's wheel into dist/ (fresh every time: the sources may have changed)."""
    if DIST.exists():
        shutil.rmtree(DIST)
    log("building the plugin wheel")
    command = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "wheel", "--no-deps", "-w", str(DIST)]
    subprocess.run([*command, str(ROOT)], check=True, env=_clean_env())
    (wheel,) = DIST.glob("poetry_codeartifact-*.whl")
    return wheel


def _plugin_dependencies() -> str:
    """The plugin's declared dependencies: the test venv is rebuilt when they change."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("dependencies = [")
    return text[start : text.index("]", start)]


def test_env(version: str, python: Python) -> Path:
    env = VENVS / f"test-{version}"
    created = _ensure(env, [f"poetry=={version}", *TEST_TOOLS], python, stamp_extra=_plugin_dependencies())
    if created:
        _pip(env, "install", "-e", str(ROOT))  # with its dependencies (boto3)
    return env


def poetry_env(version: str, python: Python, wheel: Path) -> Path:
    """Poetry ``version`` with the plugin installed into Poetry's own environment."""
    env = VENVS / f"poetry-{version}"
    _ensure(env, [f"poetry=={version}", "boto3>=1.28"], python)
    _pip(env, "install", "--force-reinstall", "--no-deps", str(wheel))
    return env


# Other plugins' commands read indexes too; the end-to-end tests run them next to this plugin.
# poetry-plugin-up works with Poetry 1.8.4+ and 2.x; Poetry 1.8 bundles poetry-plugin-export.
# poetry-plugin-export 1.10 needs Poetry 2.1+; 1.9.0 is the one for Poetry 2.0.
OTHER_PLUGINS = ("poetry-plugin-up==0.9.0",)


def export_plugin(version: str) -> list[str]:
    if version.startswith("1."):
        return []
    return ["poetry-plugin-export==1.9.0" if version.startswith("2.0.") else "poetry-plugin-export==1.10.1"]


def plugins_env(version: str, python: Python, wheel: Path) -> Path:
    """Poetry ``version`` with this plugin and other plugins (``poetry up``, ``poetry export``),
    kept apart from ``poetry-<V>`` so that the benchmark compares this plugin alone."""
    env = VENVS / f"plugins-{version}"
    others = [*OTHER_PLUGINS, *export_plugin(version)]
    _ensure(env, [f"poetry=={version}", "boto3>=1.28", *others], python)
    _pip(env, "install", "--force-reinstall", "--no-deps", str(wheel))
    return env


# Poetry locks its own environment for every platform, so a package index that serves Poetry's
# dependencies must also hold these (macOS and Windows only on Linux; httpx2-jsfetch is httpx2's
# on Emscripten with Python 3.12+, which pbs-installer brings into Poetry 2.5.1 on Python 3.13),
# or `poetry self add` fails.
OTHER_PLATFORMS = ("xattr", "pywin32-ctypes", "colorama", "httpx2-jsfetch")
# Building this plugin from its source tree (`poetry self add PATH`) needs its build backend, and
# Poetry 1.8 first reads a path dependency's metadata with these exact versions of `build`.
BUILD_BACKEND = "poetry-core>=2.0"
POETRY_1_METADATA_BUILD = ("build==1.0.3", "pyproject_hooks==1.0.0")


def _seed_packages(env: Path) -> tuple[str, ...]:
    """The exact pip/setuptools/wheel a virtualenv was created with: Poetry pins every package of
    its own environment when it installs a project's required plugins, these included."""
    listed = subprocess.run(
        [str(bin_path(env, "python")), "-m", "pip", "--disable-pip-version-check", "list", "--format=json"],
        check=True, capture_output=True, text=True, env=_clean_env(),
    ).stdout
    return tuple(sorted(f"{p['name']}=={p['version']}" for p in json.loads(listed)
                        if p["name"].lower() in ("pip", "setuptools", "wheel")))


def wheelhouse(version: str, python: Python, pip_python: Path, seeded: Path | None = None) -> Path:
    """A folder with every wheel that Poetry ``version``'s own environment (with boto3) is made
    of: what a CodeArtifact repository with PyPI as its upstream serves to ``poetry self add``.
    ``pip_python`` is a virtualenv's made with ``python`` (it has pip; ``python`` may not); the
    seed packages of virtualenv ``seeded`` (a Poetry's) are added."""
    folder = VENVS / f"wheelhouse-{version}"
    extra = (*(POETRY_1_METADATA_BUILD if version.startswith("1.") else ()),
             *(_seed_packages(seeded) if seeded else ()))
    wanted = hashlib.sha256(
        f"{version} boto3 {OTHER_PLATFORMS} {BUILD_BACKEND} {extra} {python.version} newest-pip".encode()
    ).hexdigest()
    stamp = folder / ".stamp"
    if stamp.exists() and stamp.read_text() == wanted:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    log(f"downloading Poetry {version}'s wheels into {folder.relative_to(ROOT)}")
    pip = [str(pip_python), "-m", "pip", "--disable-pip-version-check", "-q", "download", "-d", str(folder)]
    subprocess.run([*pip, f"poetry=={version}", "boto3>=1.28", *extra], check=True, env=_clean_env())
    subprocess.run([*pip, "--no-deps", *OTHER_PLATFORMS, BUILD_BACKEND], check=True, env=_clean_env())
    # pipx (`pipx inject poetry ...`) first upgrades the pip of its shared venv to a recent one
    subprocess.run([*pip, "--no-deps", "pip"], check=True, env=_clean_env())
    stamp.write_text(wanted)
    return folder


# The programs other than Poetry that the README's commands call, which the tests run as
# written: the AWS CLI (version 1, from PyPI: `aws codeartifact get-authorization-token ...`,
# against the stand-in) and pipx (`pipx inject poetry ...`).
README_TOOLS = ("awscli>=1.32", "pipx>=1.4")


def readme_tools_env(python: Python) -> Path:
    """A venv with those alone (the AWS CLI pins its own botocore, so it stays out of the others)."""
    env = VENVS / "readme-tools"
    _ensure(env, list(README_TOOLS), python)
    return env


def baseline_env(version: str, python: Python) -> Path:
    """Plain Poetry ``version`` without the plugin, for benchmarks."""
    env = VENVS / f"{BASELINE}-{version}"
    _ensure(env, [f"poetry=={version}"], python)
    return env


def _wheelhouse_after(version: str, python: Python, test: Future[Path], plain: Future[Path]) -> Path:
    """:func:`wheelhouse`, once the test venv (its pip) and the baseline venv (its seed packages) exist."""
    return wheelhouse(version, python, bin_path(test.result(), "python"), plain.result())


class Envs(NamedTuple):
    python: Python  # what every venv of this Poetry version is made with
    test: Path
    poetry: Path  # the user's Poetry, with the plugin's freshly built wheel
    baseline: Path
    plugins: Path | None  # with everything=True only
    wheelhouse: Path | None  # with everything=True only
    readme_tools: Path | None = None  # with everything=True only: the AWS CLI and pipx the README calls


def prepare_tests(pythons: dict[str, Python]) -> dict[str, Path]:
    """The test venv of each Poetry version (``pythons`` maps it to its Python, from
    :func:`python_for`) alone: what the unit and command tests (and ruff and mypy) need, so that
    they can run while :func:`prepare` builds the rest."""
    VENVS.mkdir(exist_ok=True)
    with ThreadPoolExecutor(len(pythons)) as pool:
        tests = {v: pool.submit(test_env, v, python) for v, python in pythons.items()}
        return {v: test.result() for v, test in tests.items()}


def prepare(versions: tuple[str, ...] = POETRY_VERSIONS, *, everything: bool = False, strict: bool = False,
            jobs: int = 3) -> dict[str, Envs]:
    """The venvs of every Poetry version in ``versions``, with a freshly built wheel in each user
    Poetry; with ``everything``, also the ``plugins-<V>`` venvs and wheelhouses the tests use.
    ``jobs`` venvs build at the same time (they wait on PyPI and on pip's single thread)."""
    pythons = {version: python_for(version, strict=strict) for version in versions}
    VENVS.mkdir(exist_ok=True)
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        tests = {v: pool.submit(test_env, v, pythons[v]) for v in versions}
        wheel = build_wheel(bin_path(tests[versions[0]].result(), "python"))
        cli = pool.submit(readme_tools_env, pythons[versions[-1]]) if everything else None
        later = {}
        for v in versions:  # FIFO: a wheelhouse starts after its baseline venv has started
            plain = pool.submit(baseline_env, v, pythons[v])
            later[v] = (
                pool.submit(poetry_env, v, pythons[v], wheel),
                plain,
                pool.submit(plugins_env, v, pythons[v], wheel) if everything else None,
                pool.submit(_wheelhouse_after, v, pythons[v], tests[v], plain) if everything else None,
            )
        return {
            v: Envs(pythons[v], tests[v].result(), user.result(), plain.result(),
                    plugins.result() if plugins else None, house.result() if house else None,
                    cli.result() if cli else None)
            for v, (user, plain, plugins, house) in later.items()
        }


if __name__ == "__main__":
    for version, envs in prepare(everything=True).items():
        print(version, *envs)
