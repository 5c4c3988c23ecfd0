"""Run every test on every supported Poetry version: ``python3 tools/test.py``.

Builds what it needs first (virtualenvs per Poetry version, the plugin wheel; see
tools/venvs.py), then runs ruff and mypy once and pytest once per Poetry version: unit and
command tests in-process, end-to-end tests through a real ``poetry`` with the plugin installed.

    python3 tools/test.py                     # everything
    python3 tools/test.py --poetry 2.5.1      # one Poetry version
    python3 tools/test.py -- -k endpoint -x   # arguments after -- go to pytest
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import venvs

LINTED = ("src", "tests", "tools", "benchmarks")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poetry", default=",".join(venvs.POETRY_VERSIONS), help="comma-separated Poetry versions")
    parser.add_argument("--no-lint", action="store_true", help="skip ruff and mypy")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    versions = tuple(v for v in args.poetry.split(",") if v)

    started = time.monotonic()
    envs = venvs.prepare(versions)
    wheel = next(venvs.DIST.glob("poetry_codeartifact-*.whl"))
    plugins = {version: venvs.plugins_env(version, wheel) for version in versions}
    wheelhouses = {version: venvs.wheelhouse(version, venvs.bin_path(envs[version][0], "python"), envs[version][2])
                   for version in versions}
    print(f"[test] environments ready in {time.monotonic() - started:.0f}s", flush=True)

    failed: list[str] = []
    first_test_env = envs[versions[0]][0]
    if not args.no_lint:
        python = str(venvs.bin_path(first_test_env, "python"))
        for name, command in (
            ("ruff", [python, "-m", "ruff", "check", *(p for p in LINTED if (venvs.ROOT / p).exists())]),
            ("mypy", [python, "-m", "mypy"]),
        ):
            print(f"[test] {name}", flush=True)
            if subprocess.run(command, cwd=venvs.ROOT).returncode:
                failed.append(name)

    for version in versions:
        test_env, poetry_env, plain_env = envs[version]
        env = dict(os.environ)
        env["POETRY_CODEARTIFACT_TEST_POETRY"] = str(venvs.bin_path(poetry_env, "poetry"))
        env["POETRY_CODEARTIFACT_TEST_POETRY_VERSION"] = version
        env["POETRY_CODEARTIFACT_TEST_BASELINE"] = str(venvs.bin_path(plain_env, "poetry"))
        env["POETRY_CODEARTIFACT_TEST_PLUGINS"] = str(venvs.bin_path(plugins[version], "poetry"))
        env["POETRY_CODEARTIFACT_TEST_WHEELHOUSE"] = str(wheelhouses[version])
        command = [str(venvs.bin_path(test_env, "python")), "-m", "pytest", "-p", "no:cacheprovider", *args.pytest_args]
        print(f"[test] pytest on Poetry {version}", flush=True)
        code = subprocess.run(command, cwd=venvs.ROOT, env=env).returncode
        if code not in (0, 5):  # 5: nothing selected by -k
            failed.append(f"pytest (Poetry {version})")

    elapsed = time.monotonic() - started
    if failed:
        print(f"[test] FAILED: {', '.join(failed)} ({elapsed:.0f}s)", flush=True)
        return 1
    print(f"[test] all passed on Poetry {', '.join(versions)} ({elapsed:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
