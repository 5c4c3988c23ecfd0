"""The one harness that runs a real ``poetry``: for the end-to-end tests (``tests/support/user.py``),
the demo and the benchmark.

A :class:`PoetryRunner` is a ``poetry`` binary, the environment it runs in (a throw-away user
machine, see ``tools/sandbox.py``), a working directory and the Poetry version. Every command's
output is checked for the stand-in's tokens (``TOKEN_PREFIX``) and, given ``secrets``, for every
trace of each secret that :class:`tools.leaks.LeakDetector` knows (slices, base64, URL-encoded),
in the output and in the files that ``files`` names: no test, demo step or benchmark round goes
on after one leaked. The runner also knows where Poetry 1.8 and 2.x differ on the
command line (:attr:`PoetryRunner.lock_args`).
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tools.leaks import LeakDetector
from tools.standin import TOKEN_PREFIX

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + r"\S*")


@dataclass
class Result:
    """A finished command. With ``merge_stderr`` its stderr is interleaved into ``out``, as a
    terminal shows them, and ``err`` is empty."""

    code: int
    out: str
    err: str
    args: tuple[str, ...] = ()
    program: str = "poetry"
    cwd: Path | None = None
    seconds: float = 0.0  # the wall time of the process alone

    @property
    def text(self) -> str:
        return self.out + self.err

    def __str__(self) -> str:
        where = f" in {self.cwd}" if self.cwd else ""
        return (f"{self.program} {' '.join(self.args)}{where} -> {self.code}\n--- stdout\n{self.out}\n"
                f"--- stderr\n{self.err}")


class PoetryFailed(AssertionError):
    """A command failed where it had to succeed, or leaked a token (:class:`TokenLeaked`)."""

    def __init__(self, result: Result, message: str = "") -> None:
        super().__init__(message or str(result))
        self.result = result


class TokenLeaked(PoetryFailed):
    """A secret appeared in a command's output or in a file it left. The message says which form
    was found where, and shows the output with every secret hidden."""

    def __init__(self, result: Result, detector: LeakDetector | None = None, where: str = "the output") -> None:
        def hide(text: str) -> str:
            return _TOKEN.sub("<token>", detector.hide(text) if detector else text)

        hidden = replace(result, out=hide(result.out), err=hide(result.err), args=tuple(map(hide, result.args)))
        super().__init__(result, f"a secret leaked into {where} of {hidden}")


class PoetryRunner:
    """A real ``poetry`` with the environment and working directory it runs in."""

    def __init__(self, poetry: str | Path, env: dict[str, str], version: str, *, cwd: Path,
                 timeout: float = 300, secrets: Callable[[], Iterable[str]] | None = None,
                 files: Callable[[], Iterable[Path]] | None = None,
                 file_secrets: Callable[[], Iterable[str]] | None = None) -> None:
        self.poetry = str(poetry)
        self.env = env
        self.version = version
        self.cwd = cwd
        self.timeout = timeout
        self.secrets = secrets
        self.files = files
        self.file_secrets = file_secrets or secrets  # a user's own password may sit in auth.toml

    def check_leaks(self, result: Result, written: tuple[Path, ...] = ()) -> None:
        """Raise :class:`TokenLeaked` if any trace of a secret is in ``result``'s output or in a
        file named by ``files`` other than ``written`` (a file the command was asked to write a
        credential into, such as ``export --with-credentials``'s requirements.txt)."""
        detector = LeakDetector(self.secrets()) if self.secrets is not None else None
        if TOKEN_PREFIX in result.text:
            raise TokenLeaked(result, detector)
        if detector is None:
            return
        leaks = detector.find(result.text)
        if leaks:
            raise TokenLeaked(result, detector, f"the output ({leaks[0].describe()})")
        if self.files is not None and self.file_secrets is not None:
            watched = [path for path in self.files() if path not in written]
            in_files = LeakDetector(self.file_secrets()).find_in_files(watched)
            if in_files:
                path, leak = in_files[0]
                raise TokenLeaked(result, detector, f"{path} ({leak.describe()})")

    @property
    def is_poetry_1(self) -> bool:
        return self.version.startswith("1.")

    @property
    def lock_args(self) -> tuple[str, ...]:
        """``poetry lock`` without updating locked versions: Poetry 1.8 needs ``--no-update``,
        which 2.x removed (it keeps locked versions unless told ``--regenerate``)."""
        return ("lock", "--no-update") if self.is_poetry_1 else ("lock",)

    def run(self, *args: str, cwd: Path | None = None, check: bool = True, env: dict[str, str] | None = None,
            drop: tuple[str, ...] = (), program: str | Path | None = None, merge_stderr: bool = False,
            writes_credentials_to: tuple[Path, ...] = ()) -> Result:
        """``poetry ARGS`` (or ``program ARGS``) in ``cwd`` (default: the runner's), with ``env``
        added to the runner's environment and the variables in ``drop`` taken out. Raises
        :class:`TokenLeaked` if the output holds a token and, with ``check``, :class:`PoetryFailed`
        unless it exits with 0; ``subprocess.TimeoutExpired`` after the runner's timeout."""
        command = [str(program or self.poetry), *args]
        environment = {k: v for k, v in {**self.env, **(env or {})}.items() if k not in drop}
        where = cwd or self.cwd
        started = time.perf_counter()
        process = subprocess.run(
            command, cwd=where, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, text=True, timeout=self.timeout,
        )
        seconds = time.perf_counter() - started
        name = Path(program).name if program else "poetry"
        result = Result(process.returncode, process.stdout, process.stderr or "", args, name, where, seconds)
        self.check_leaks(result, writes_credentials_to)
        if check and result.code != 0:
            raise PoetryFailed(result)
        return result

    def lock(self, cwd: Path | None = None, *extra: str, check: bool = True, env: dict[str, str] | None = None,
             drop: tuple[str, ...] = ()) -> Result:
        """``poetry lock`` without updating locked versions, on Poetry 1.8 and 2.x alike."""
        return self.run(*self.lock_args, *extra, cwd=cwd, check=check, env=env, drop=drop)
