"""Run every test on every tested Poetry version: ``python3 tools/test.py`` (or ``python -m tools.test``).

Builds what it needs (virtualenvs per Poetry version, each with its own Python, and the plugin
wheel; see tools/venvs.py), runs ruff and mypy once and pytest twice per Poetry version: the
unit and command tests (in-process) as soon as the version's test venv exists, while the other
venvs are built, then the end-to-end tests (a real ``poetry`` with the plugin installed). The
versions build and test at the same time: both parts write to ``.test-logs/pytest-<V>.log``; a
summary follows, with the end of a failing version's log and the failures further up.

    python3 tools/test.py                     # everything
    python3 tools/test.py --poetry 2.0.1      # one Poetry version
    python3 tools/test.py -- -k endpoint -x   # arguments after -- go to both pytest runs
    python3 tools/test.py --jobs 1            # one version after the other

Each Poetry version runs on its own Python (tools/venvs.py ``PYTHONS``). A missing Python is an
error that says what to install; ``--any-python`` runs that version on the Python running this
script instead, with a warning (the run then does not test the documented matrix).

No test writes into the real home: each pytest runs with HOME set to an empty trap folder
(tests/conftest.py moves HOME, the XDG folders and Poetry's, virtualenv's and pip's folders into
a temporary directory before anything imports Poetry), and the run fails if anything appears in
the trap.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

if not __package__:  # run as `python3 tools/test.py`: import `tools` from the repository root, not from tools/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tools import ROOT, venvs

LINTED = ("src", "tests", "tools", "benchmarks")
LOGS = ROOT / ".test-logs"
TAIL = 80  # lines of a failing log shown in the summary
_print_lock = threading.Lock()


def say(message: str) -> None:
    with _print_lock:
        print(f"[test] {message}", flush=True)


def _summary_line(log: Path) -> str:
    """pytest's last line ("== 250 passed in 201.3s =="), or the log's last line."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else "(empty log)"


def _leftovers(trap: Path) -> list[str]:
    return sorted(str(path.relative_to(trap)) for path in trap.rglob("*"))


def _pytest_environment(version: str, trap: Path, envs: venvs.Envs | None) -> dict[str, str]:
    """The variables of one pytest run: HOME in ``trap``; with ``envs``, the Poetry binaries, the
    wheelhouse and the README's tools the end-to-end tests run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "VIRTUALENV_", "PIP_CACHE"))}
    env["HOME"] = str(trap)  # tests/conftest.py must move everything elsewhere before it is used
    for name in ("CONFIG", "CACHE", "DATA"):
        env.pop(f"POETRY_{name}_DIR", None)
    env["PYTHONUNBUFFERED"] = "1"  # the log follows the run (tail -f .test-logs/pytest-<V>.log)
    if envs is None:
        return env
    assert envs.plugins
    assert envs.wheelhouse
    env["POETRY_CODEARTIFACT_TEST_POETRY"] = str(venvs.bin_path(envs.poetry, "poetry"))
    env["POETRY_CODEARTIFACT_TEST_POETRY_VERSION"] = version
    env["POETRY_CODEARTIFACT_TEST_BASELINE"] = str(venvs.bin_path(envs.baseline, "poetry"))
    env["POETRY_CODEARTIFACT_TEST_PLUGINS"] = str(venvs.bin_path(envs.plugins, "poetry"))
    env["POETRY_CODEARTIFACT_TEST_WHEELHOUSE"] = str(envs.wheelhouse)
    if envs.readme_tools:  # `aws` and `pipx`, for the README's commands
        env["POETRY_CODEARTIFACT_TEST_README_TOOLS"] = str(venvs.bin_path(envs.readme_tools, ""))
    report = LOGS / f"origins-{version}.jsonl"  # figures of the end-to-end fault tests, for closing notes
    report.unlink(missing_ok=True)
    env["POETRY_CODEARTIFACT_TEST_REPORT"] = str(report)
    return env


# Each version's tests run in two parts: the unit and command tests need only the test venv and
# start while the other venvs are built; the end-to-end tests follow once those exist.
PARTS = {"unit and command": ("-m", "not e2e"), "end-to-end": ("-m", "e2e")}


def _run_part(version: str, part: str, test_env: Path, envs: venvs.Envs | None,
              pytest_args: list[str]) -> tuple[int, str, list[str], Path]:
    """One part of a version's tests, appended to .test-logs/pytest-<V>.log: (exit code, pytest's
    last line, files the tests wrote into their HOME, that HOME)."""
    log = LOGS / f"pytest-{version}.log"
    trap = Path(tempfile.mkdtemp(prefix=f"poetry-codeartifact-trap-home-{version}-"))
    command = [str(venvs.bin_path(test_env, "python")), "-m", "pytest", "-p", "no:cacheprovider",
               "--durations=15", *PARTS[part], *pytest_args]
    with log.open("a") as out:
        out.write(f"\n===== {part} tests of Poetry {version} =====\n")
        out.flush()
        code = subprocess.run(command, cwd=ROOT, env=_pytest_environment(version, trap, envs), stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
    leftovers = _leftovers(trap)
    if not leftovers:
        shutil.rmtree(trap, ignore_errors=True)
    return code, _summary_line(log), leftovers, trap


def run_pytest(version: str, test_env: Path, python: str, everything: Future[dict[str, venvs.Envs]],
               pytest_args: list[str]) -> tuple[bool, str]:
    """Both parts of one Poetry version's tests. Returns (passed, summary). A part that selects
    nothing (exit code 5) is no failure while the other part ran tests; both empty is one."""
    log = LOGS / f"pytest-{version}.log"
    say(f"pytest on Poetry {version} (Python {python}) -> {log.relative_to(ROOT)}")
    started = time.monotonic()
    results: list[tuple[str, int, str, list[str], Path]] = []
    for part in PARTS:
        envs = None
        if part == "end-to-end":
            try:
                envs = everything.result()[version]
            except Exception as error:  # any failure to build is this version's failure
                results.append((part, 2, f"the environments could not be built: {error}", [], Path()))
                break
        results.append((part, *_run_part(version, part, test_env, envs, pytest_args)))
    elapsed = time.monotonic() - started
    codes = [code for _, code, *_ in results]
    ran = [code for code in codes if code != 5]  # 5: nothing collected, or everything deselected
    passed = bool(ran) and all(code == 0 for code in ran) and len(results) == len(PARTS)
    parts = "; ".join(f"{part}: {line} (exit {code})" for part, code, line, _, _ in results)
    summary = f"Poetry {version} on Python {python}: {parts} ({elapsed:.0f}s)"
    for part, _, _, leftovers, trap in results:
        if leftovers:
            passed = False
            summary += f"; the {part} tests wrote into their HOME ({trap}): {', '.join(leftovers[:10])}"
    say(("passed: " if passed else "FAILED: ") + summary)
    return passed, summary


def run_lint(name: str, command: list[str]) -> tuple[bool, str]:
    log = LOGS / f"{name}.log"
    with log.open("w") as out:
        code = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode
    summary = f"{name}: {_summary_line(log)}"
    say(("passed: " if code == 0 else "FAILED: ") + summary)
    return code == 0, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poetry", default=",".join(venvs.POETRY_VERSIONS), help="comma-separated Poetry versions")
    parser.add_argument("--no-lint", action="store_true", help="skip ruff and mypy")
    parser.add_argument("--jobs", type=int, default=0,
                        help="Poetry versions tested at the same time (default: all of them)")
    parser.add_argument("--any-python", action="store_true",
                        help="run a Poetry version on this Python when its tested Python is not installed")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    versions = tuple(v for v in args.poetry.split(",") if v)
    jobs = args.jobs or len(versions)

    started = time.monotonic()
    try:
        pythons = {v: venvs.python_for(v, strict=not args.any_python) for v in versions}
        tests = venvs.prepare_tests(pythons)
    except venvs.PythonNotFound as error:
        say(f"ERROR: {error}")
        return 2
    say(f"test environments ready in {time.monotonic() - started:.0f}s; the others are built meanwhile")

    if LOGS.exists():
        shutil.rmtree(LOGS)
    LOGS.mkdir()
    tasks = []
    with ThreadPoolExecutor(1) as builder, ThreadPoolExecutor(jobs + 2) as pool:
        everything = builder.submit(venvs.prepare, versions, everything=True, strict=not args.any_python,
                                    jobs=max(jobs, 3))
        everything.add_done_callback(lambda done: say(
            f"environments {'FAILED' if done.exception() else 'ready'} in {time.monotonic() - started:.0f}s"))
        if not args.no_lint:
            # mypy checks for the Python it runs on: the oldest one tested is the strictest.
            oldest = min(versions, key=lambda v: tuple(int(n) for n in pythons[v].version.split()[0].split(".")[:2]))
            python = str(venvs.bin_path(tests[oldest], "python"))
            tasks.append(("ruff", pool.submit(
                run_lint, "ruff", [python, "-m", "ruff", "check", *(p for p in LINTED if (ROOT / p).exists())])))
            tasks.append(("mypy", pool.submit(run_lint, "mypy", [python, "-m", "mypy"])))
        with ThreadPoolExecutor(jobs) as pytest_pool:
            tasks += [(version, pytest_pool.submit(run_pytest, version, tests[version],
                                                   pythons[version].version.split()[0], everything, args.pytest_args))
                      for version in versions]
            results = [(name, *task.result()) for name, task in tasks]

    elapsed = time.monotonic() - started
    print(flush=True)
    for name, passed, _ in results:
        if not passed:
            log = LOGS / (f"pytest-{name}.log" if name in versions else f"{name}.log")
            lines = log.read_text(errors="replace").splitlines()
            print(f"----- last {min(TAIL, len(lines))} lines of {log.relative_to(ROOT)} -----")
            print("\n".join(lines[-TAIL:]), flush=True)
            failures = [line for line in lines[:-TAIL] if line.startswith(("FAILED ", "ERROR "))]
            if failures:  # those of the first part, whose end is further up
                print(f"----- and further up in {log.relative_to(ROOT)} -----")
                print("\n".join(failures), flush=True)
    print("[test] summary:")
    for _name, passed, summary in results:
        print(f"[test]   {'ok    ' if passed else 'FAILED'} {summary}")
    failed = [name for name, passed, _ in results if not passed]
    if failed:
        print(f"[test] FAILED: {', '.join(failed)} ({elapsed:.0f}s)", flush=True)
        return 1
    print(f"[test] all passed on Poetry {', '.join(versions)} ({elapsed:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
