"""Virtualenvs for the tests, the demo and the benchmarks, built from PyPI with only Python 3.

Per supported Poetry version there are two:

* ``.venvs/poetry-<V>``: Poetry as a user has it, with this plugin installed into Poetry's own
  environment from the freshly built wheel (what ``poetry self add`` does). End-to-end tests,
  the demo and the benchmarks run this ``bin/poetry``.
* ``.venvs/test-<V>``: pytest, pypiserver (for the stand-in) and the same Poetry, with the
  plugin installed editable, for the unit and command tests.

A venv is rebuilt only when what it should contain changes (a stamp file records it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venvs"
DIST = ROOT / "dist"
POETRY_VERSIONS = ("1.8.5", "2.5.1")
TEST_TOOLS = ("pytest>=8", "pypiserver>=2.1", "keyring>=24", "ruff>=0.6", "mypy>=1.10", "boto3-stubs[codeartifact,sts]",
              "hypothesis>=6.100")
# Not installed by Poetry: only the stand-in and the demo need these next to a user's Poetry.
BASELINE = "baseline"


def log(message: str) -> None:
    print(f"[venvs] {message}", flush=True)


def bin_path(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def _pip(env: Path, *args: str) -> None:
    command = [str(bin_path(env, "python")), "-m", "pip", "--disable-pip-version-check", "-q", *args]
    subprocess.run(command, check=True, env=_clean_env())


def _clean_env() -> dict[str, str]:
    # Building venvs needs PyPI: drop any test safety-net proxy inherited from a caller.
    dropped = ("HTTP_PROXY", "HTTPS_PROXY", "PIP_REQUIRE_VIRTUALENV")
    env = {k: v for k, v in os.environ.items() if k.upper() not in dropped}
    env["PIP_NO_INPUT"] = "1"
    return env


def _ensure(env: Path, requirements: list[str], stamp_extra: str = "") -> bool:
    """Create ``env`` with ``requirements`` unless its stamp says it already has them."""
    wanted = hashlib.sha256(("\n".join(requirements) + stamp_extra + sys.version).encode()).hexdigest()
    stamp = env / ".stamp"
    if stamp.exists() and stamp.read_text() == wanted and bin_path(env, "python").exists():
        return False
    if env.exists():
        shutil.rmtree(env)
    log(f"creating {env.relative_to(ROOT)}")
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    _pip(env, "install", "--upgrade", "pip")
    _pip(env, "install", *requirements)
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


def test_env(version: str) -> Path:
    env = VENVS / f"test-{version}"
    created = _ensure(env, [f"poetry=={version}", *TEST_TOOLS], stamp_extra=_plugin_dependencies())
    if created:
        _pip(env, "install", "-e", str(ROOT))  # with its dependencies (boto3)
    return env


def poetry_env(version: str, wheel: Path) -> Path:
    """Poetry ``version`` with the plugin installed into Poetry's own environment."""
    env = VENVS / f"poetry-{version}"
    _ensure(env, [f"poetry=={version}", "boto3>=1.28"])
    _pip(env, "install", "--force-reinstall", "--no-deps", str(wheel))
    return env


# Other plugins' commands read indexes too; the end-to-end tests run them next to this plugin.
# poetry-plugin-up works with Poetry 1.8.4+ and 2.x; Poetry 1.8 bundles poetry-plugin-export.
OTHER_PLUGINS = ("poetry-plugin-up==0.9.0",)
EXPORT_PLUGIN = "poetry-plugin-export==1.10.1"


def plugins_env(version: str, wheel: Path) -> Path:
    """Poetry ``version`` with this plugin and other plugins (``poetry up``, ``poetry export``),
    kept apart from ``poetry-<V>`` so that the benchmark compares this plugin alone."""
    env = VENVS / f"plugins-{version}"
    others = [*OTHER_PLUGINS, *([EXPORT_PLUGIN] if not version.startswith("1.") else [])]
    _ensure(env, [f"poetry=={version}", "boto3>=1.28", *others])
    _pip(env, "install", "--force-reinstall", "--no-deps", str(wheel))
    return env


# Poetry locks its own environment for every platform, so a package index that serves Poetry's
# dependencies must also hold these (macOS and Windows only on Linux), or `poetry self add` fails.
OTHER_PLATFORMS = ("xattr", "pywin32-ctypes", "colorama")
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


def wheelhouse(version: str, python: Path, seeded: Path | None = None) -> Path:
    """A folder with every wheel that Poetry ``version``'s own environment (with boto3) is made
    of: what a CodeArtifact repository with PyPI as its upstream serves to ``poetry self add``.
    ``python`` is a virtualenv's (it has pip; the Python that runs this script may not); the
    seed packages of virtualenv ``seeded`` (a Poetry's) are added."""
    folder = VENVS / f"wheelhouse-{version}"
    extra = (*(POETRY_1_METADATA_BUILD if version.startswith("1.") else ()),
             *(_seed_packages(seeded) if seeded else ()))
    wanted = hashlib.sha256(f"{version} boto3 {OTHER_PLATFORMS} {BUILD_BACKEND} {extra}".encode()).hexdigest()
    stamp = folder / ".stamp"
    if stamp.exists() and stamp.read_text() == wanted:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    log(f"downloading Poetry {version}'s wheels into {folder.relative_to(ROOT)}")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q", "download", "-d", str(folder)]
    subprocess.run([*pip, f"poetry=={version}", "boto3>=1.28", *extra], check=True, env=_clean_env())
    subprocess.run([*pip, "--no-deps", *OTHER_PLATFORMS, BUILD_BACKEND], check=True, env=_clean_env())
    stamp.write_text(wanted)
    return folder


def baseline_env(version: str) -> Path:
    """Plain Poetry ``version`` without the plugin, for benchmarks."""
    env = VENVS / f"{BASELINE}-{version}"
    _ensure(env, [f"poetry=={version}"])
    return env


def prepare(versions: tuple[str, ...] = POETRY_VERSIONS) -> dict[str, tuple[Path, Path, Path]]:
    """(test venv, user Poetry venv, plain Poetry venv) per version, with a freshly built wheel
    in each user Poetry."""
    envs = {version: test_env(version) for version in versions}
    wheel = build_wheel(bin_path(envs[versions[0]], "python"))
    return {version: (envs[version], poetry_env(version, wheel), baseline_env(version)) for version in versions}


if __name__ == "__main__":
    for version, paths in prepare().items():
        print(version, *paths)
