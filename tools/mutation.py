"""Mutation testing as a rerunnable measurement: ``python3 tools/mutation.py`` (or ``python -m
tools.mutation``).

Runs mutmut over the modules whose logic the unit and command tests must pin down (``MODULES``)
against those tests, in a virtualenv of its own (``.venvs/mutation-<V>``: Poetry, the test tools
and mutmut, on the newest tested Poetry), then prints per module how many mutants the tests
killed, how many survived and the score: killed / (killed + survived + timeouts), mutants no
test covers being left out. The figures also go to ``.test-logs/mutation.json``, and every
surviving mutant's name to ``.test-logs/mutation-survivors.txt`` (``mutmut show NAME`` in the
mutation venv shows its diff). It takes tens of minutes on two cores, so CI does not run it.

    python3 tools/mutation.py                 # every module
    python3 tools/mutation.py --report        # the figures of the last run, without running
    python3 tools/mutation.py --jobs 4        # mutmut's processes (default: the CPU count)
    python3 tools/mutation.py --resume        # after new tests: the last survivors only
    python3 tools/mutation.py --continue      # go on with an interrupted run (results kept)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

if not __package__:  # run as `python3 tools/mutation.py`: import `tools` from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tools import ROOT, venvs

POETRY_VERSION = "2.5.1"
MODULES = ("endpoint.py", "pyproject_edit.py", "settings.py", "credentials.py", "state.py")
PACKAGE = Path("src/poetry_codeartifact")
MUTMUT = "mutmut==3.8.1"
KILLED = {1, 3}  # mutmut's exit codes for a mutant that made a test fail (3: pytest's internal error)
SURVIVED = {0}
TIMEOUT = {36, -24, 24, 152, 255}
REPORT = ROOT / ".test-logs" / "mutation.json"
SURVIVORS = ROOT / ".test-logs" / "mutation-survivors.txt"


def config() -> str:
    """mutmut's settings (it reads them from ./pyproject.toml or ./setup.cfg; this keeps them
    out of the package's own pyproject.toml by writing setup.cfg for the run)."""
    only = "\n".join(f"    {PACKAGE / module}" for module in MODULES)
    return (
        "[mutmut]\n"
        "source_paths = src\n"
        f"only_mutate =\n{only}\n"
        "pytest_add_cli_args_test_selection =\n    tests/unit\n    tests/commands\n"
        # botocore's own debug log (a global logging setup) is not what mutmut's in-process runs see
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    --deselect\n"
        "    tests/unit/test_tokens.py::test_botocore_debug_logging_never_sees_the_token\n"
        "also_copy =\n    tools\n    tests\n"
    )


def environment() -> Path:
    python = venvs.python_for(POETRY_VERSION, strict=False)
    env = venvs.VENVS / f"mutation-{POETRY_VERSION}"
    if venvs._ensure(env, [f"poetry=={POETRY_VERSION}", *venvs.TEST_TOOLS, MUTMUT], python):
        venvs._pip(env, "install", "-e", str(ROOT))
    return env


def run(env: Path, jobs: int, *, resume: bool = False, carry_on: bool = False) -> None:
    """A fresh run; or, with ``resume``, the last run's survivors again, after new tests (mutmut
    keeps every other result; a mutant of a function changed since is tested as new); or, with
    ``carry_on``, the mutants an interrupted run did not reach."""
    setup_cfg = ROOT / "setup.cfg"
    if setup_cfg.exists():
        raise SystemExit("setup.cfg exists in the repository root; mutmut would read it. Move it away first.")
    survivors = SURVIVORS.read_text().split() if resume and SURVIVORS.exists() else []
    if resume or carry_on:
        (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)  # new tests: which covers what
    else:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    setup_cfg.write_text(config())
    try:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("POETRY_", "AWS_"))}
        environ["POETRY_CODEARTIFACT_TEST_POETRY"] = ""  # no end-to-end test here
        environ["POETRY_CODEARTIFACT_HYPOTHESIS_EXAMPLES"] = "60"  # once per mutant: the editor's layouts, fewer
        mutmut = [str(venvs.bin_path(env, "mutmut")), "run", "--max-children", str(jobs)]
        subprocess.run([*mutmut, *survivors] if resume else mutmut, cwd=ROOT, env=environ, check=False)
    finally:
        setup_cfg.unlink()


def report() -> dict[str, dict[str, int | float]]:
    figures: dict[str, dict[str, int | float]] = {}
    survivors: list[str] = []
    for module in MODULES:
        meta = ROOT / "mutants" / PACKAGE / (module + ".meta")
        if not meta.exists():
            continue
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        killed = sum(code in KILLED for code in codes.values())
        survived = [name for name, code in codes.items() if code in SURVIVED]
        timeouts = sum(code in TIMEOUT for code in codes.values())
        covered = killed + len(survived) + timeouts
        figures[module] = {
            "mutants": len(codes), "killed": killed, "survived": len(survived), "timeout": timeouts,
            "not covered or not run": len(codes) - covered,
            "score": round(100 * (killed + timeouts) / covered, 1) if covered else 0.0,
        }
        survivors += sorted(survived)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2) + "\n")
    SURVIVORS.write_text("".join(f"{name}\n" for name in survivors))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="only print the figures of the last run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--resume", action="store_true",
                        help="keep the last results and test only the last survivors again")
    parser.add_argument("--continue", dest="carry_on", action="store_true",
                        help="keep the results of an interrupted run and test the mutants it did not reach")
    args = parser.parse_args(argv)
    if not args.report:
        run(environment(), args.jobs, resume=args.resume, carry_on=args.carry_on)
    figures = report()
    if not figures:
        print("no mutation results: run `python3 tools/mutation.py` first")
        return 1
    print(f"{'module':<20} {'mutants':>8} {'killed':>7} {'survived':>9} {'timeout':>8} {'score':>7}")
    for module, row in figures.items():
        print(f"{module:<20} {row['mutants']:>8} {row['killed']:>7} {row['survived']:>9} {row['timeout']:>8} "
              f"{row['score']:>6}%")
    print(f"survivors: {SURVIVORS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
