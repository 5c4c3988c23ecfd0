from __future__ import annotations

import errno
import importlib.util
import json
import multiprocessing
import os
import re
import stat
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from poetry.config.config import Config
from poetry.config.file_config_source import FileConfigSource
from poetry.toml import TOMLFile

from poetry_codeartifact.state import (
    StateFile,
    TokenRecord,
    fingerprint,
    read_regular_file,
    refresh_margin,
    write_private_file,
)


def record(issued: float = 1000.0, expires: float = 1000.0 + 43200) -> TokenRecord:
    return TokenRecord("acme", "111122223333", "eu-west-1", issued, expires, fingerprint("tok"), "file")


def test_margin_never_refreshes_a_short_token_every_run() -> None:
    assert refresh_margin(43200) == 900
    assert refresh_margin(900) == 225  # a 900-second token stays good for 675 seconds
    assert refresh_margin(0) == 0
    short = record(0, 900)
    assert not short.due(600)
    assert short.due(700)
    assert not short.expired(899)
    assert short.expired(900)


def test_round_trip_is_owner_only_and_holds_no_token(tmp_path: Path) -> None:
    path = tmp_path / "codeartifact-state.json"
    state = StateFile(path)
    state.save({"private": record()})
    assert state.load() == {"private": record()}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "tok" not in json.loads(text)["tokens"]["private"].values()
    assert fingerprint("tok") in text
    assert len(fingerprint("tok")) == 16


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"version": 2}', b'{"version": 2, "tokens": {"a": {"x": 1}}}',
                                     b'{"version": 2, "tokens": []}', b'{"version": 99, "tokens": {}}', b"\xff\xfe"])
def test_corrupt_state_means_unknown(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    assert StateFile(path).load() == {}


def test_records_of_0_1_0_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"version": 1, "tokens": {"private": {"domain": "acme"}}}))
    assert StateFile(path).load() == {}


@pytest.mark.parametrize("expires", ["tomorrow", None, float("nan"), float("inf"), 1e300, True, -5])
def test_a_mistyped_record_means_refresh_not_a_crash(tmp_path: Path, expires: object) -> None:
    path = tmp_path / "s.json"
    state = StateFile(path)
    state.save({"good": record(), "bad": record()})
    data = json.loads(path.read_text())
    data["tokens"]["bad"]["expires_at"] = expires
    path.write_text(json.dumps(data))
    assert state.load() == {"good": record()}


def test_a_fifo_or_symlink_in_place_of_the_state_is_not_followed(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert StateFile(fifo).load() == {}  # returns at once: no writer will ever come
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    StateFile(link).save({"a": record()})
    assert target.read_text() == "{}"  # replaced the link, never wrote through it
    assert not link.is_symlink()


def test_unreadable_state_means_unknown(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.mkdir()  # reading a directory fails with an OSError
    assert StateFile(path).load() == {}


def test_missing_state_and_directory(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "deep" / "s.json")
    assert state.load() == {}
    state.save({})
    assert state.load() == {}


# A fresh interpreter, not a fork: the test process runs threads (the stand-in's), and forking
# one that has threads can deadlock the child (Python warns about it since 3.12).
SPAWN = multiprocessing.get_context("spawn")


def _hold(path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with StateFile(Path(path)).lock():
        ready.set()
        release.wait(10)


def test_lock_excludes_other_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "s.json")
    ready, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=_hold, args=(path, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        waiting = StateFile(Path(path))
        with waiting.lock(timeout=0.3) as locked:
            assert locked is False
        assert waiting.lock_failure is not None
        assert "another Poetry process has held the lock" in waiting.lock_failure
        release.set()
        holder.join(10)
        start = time.monotonic()
        with StateFile(Path(path)).lock(timeout=5) as locked:
            assert locked is True
        assert time.monotonic() - start < 5
    finally:
        release.set()
        holder.join(10)


def test_a_dead_lock_holder_blocks_nobody(tmp_path: Path) -> None:
    path = str(tmp_path / "s.json")
    ready, release = SPAWN.Event(), SPAWN.Event()
    holder = SPAWN.Process(target=_hold, args=(path, ready, release))
    holder.start()
    assert ready.wait(10)
    holder.kill()  # dies holding the lock
    holder.join(10)
    with StateFile(Path(path)).lock(timeout=1) as locked:
        assert locked is True


def test_a_symlink_in_place_of_the_lock_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    state = StateFile(tmp_path / "s.json")
    assert state.lock_path is not None
    state.lock_path.symlink_to(target)
    with state.lock(timeout=0.2) as locked:
        assert locked is False  # refused, and the caller goes on without it
    assert target.read_text() == "keep"
    assert state.lock_failure is not None
    assert state.lock_failure.startswith(f"could not open the lock file {state.lock_path}")  # no other process
    with StateFile(tmp_path / "t.json").lock() as free:
        assert free is True


def test_a_file_that_cannot_be_written_is_named_not_its_temporary_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 (lower): a read-only folder made logout name `.codeartifact-tokens.json-xxxx`."""
    target = tmp_path / "codeartifact-tokens.json"

    def refuse(*_args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(tmp_path / f"{kwargs['prefix']}x8f2k"))

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(PermissionError, match="Permission denied") as raised:
        write_private_file(target, "{}")
    assert raised.value.filename == str(target)
    assert raised.value.strerror == "Permission denied"


def test_the_windows_lock_branch_in_a_simulation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19 item 5: the branch these machines never run, loaded with sys.platform = "win32" and
    an msvcrt that behaves as Windows' does (LK_NBLCK fails with OSError while another holds it)."""
    held: dict[int, bool] = {}
    calls: list[tuple[str, int]] = []
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_NBLCK, msvcrt.LK_UNLCK = 2, 0  # type: ignore[attr-defined]

    def locking(fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        inode = os.fstat(fd).st_ino
        calls.append(("lock" if mode == 2 else "unlock", inode))
        if mode == 2:
            if held.get(inode):
                raise OSError(36, "Resource deadlock avoided")
            held[inode] = True
        else:
            held[inode] = False

    msvcrt.locking = locking  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    monkeypatch.setattr(sys, "platform", "win32")
    spec = importlib.util.spec_from_file_location("state_on_windows", Path(__file__).parents[2] / "src" /
                                                  "poetry_codeartifact" / "state.py")
    assert spec is not None
    assert spec.loader is not None
    windows = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(windows)
    first, second = windows.StateFile(tmp_path / "s.json"), windows.StateFile(tmp_path / "s.json")
    with first.lock(timeout=1) as locked:
        assert locked is True
        with second.lock(timeout=0.2) as also:
            assert also is False  # held: the second waits, then goes on without it
    with second.lock(timeout=1) as again:
        assert again is True  # released when the first left
    assert [kind for kind, _ in calls].count("unlock") == 2


def _record(issued: float, expires: float) -> TokenRecord:
    return TokenRecord("acme", "111122223333", "eu-west-1", issued, expires, "f" * 16, "file")


def test_due_starts_exactly_at_the_margin_of_the_tokens_own_lifetime() -> None:
    hour = _record(1_000_000.0, 1_003_600.0)  # margin 15 minutes
    assert hour.due(1_003_600.0 - 900) is True
    assert hour.due(1_003_600.0 - 900.001) is False
    short = _record(1_000_000.0, 1_000_900.0)  # a 900-second token: a quarter of its life, 225 s
    assert short.due(1_000_600.0) is False
    assert short.due(1_000_675.0) is True


@pytest.mark.parametrize(
    ("issued", "expires", "kept"),
    [(0, 1, True), (1, 2**34 - 1, True), (1, 2**34, False), (-1, 5, False), (1.5, float("inf"), False),
     (1, float("nan"), False), (True, 5, False), ("1", 5, False)],
)
def test_a_record_outside_sane_numbers_is_dropped(tmp_path: Path, issued: object, expires: object, kept: bool) -> None:
    path = tmp_path / "s.json"
    fields = {"domain": "acme", "owner": "111122223333", "region": "eu-west-1", "issued_at": issued,
              "expires_at": expires, "fingerprint": "f" * 16, "where": "file"}
    path.write_text(json.dumps({"version": 2, "tokens": {"k": fields}}))
    assert ("k" in StateFile(path).load()) is kept


def test_an_in_memory_state_keeps_what_was_saved() -> None:
    state = StateFile.in_memory()
    record = _record(1.0, 2.0)
    state.save({"k": record})
    assert state.load() == {"k": record}


def test_the_state_file_is_indented_for_people_to_read(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "deep" / "er" / "s.json")  # folders made as needed
    state.save({"k": _record(1.0, 2.0)})
    text = (tmp_path / "deep" / "er" / "s.json").read_text()
    assert text.startswith('{\n  "version": 2,\n  "tokens": {\n    "k": {\n      "domain": "acme",')


def test_a_private_file_is_replaced_from_a_sibling_in_one_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Atomic only within one folder: the temporary file must sit beside the target."""
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str, target: str | Path) -> None:
        replaced.append((str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    folder = tmp_path / "config"
    target = folder / "codeartifact-tokens.json"
    write_private_file(target, "{}")
    ((source, into),) = replaced
    assert Path(source).parent == folder
    assert Path(source).name.startswith(".codeartifact-tokens.json-")
    assert into == str(target)
    assert sorted(p.name for p in folder.iterdir()) == ["codeartifact-tokens.json"]


def test_a_failed_replace_reports_its_own_error_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    folder = tmp_path / "config"
    with pytest.raises(OSError, match="No space left on device"):
        write_private_file(folder / "t.json", "{}")
    assert list(folder.iterdir()) == []  # the temporary file was removed
    monkeypatch.setattr(os, "unlink", broken)  # and when even that fails, the first error still shows
    with pytest.raises(OSError, match="No space left on device"):
        write_private_file(folder / "t.json", "{}")


# -- read_regular_file: behaviours the mutation run found unpinned ----------------------------


def test_read_regular_file_reads_at_most_4_mib(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(" " * (4 * 1024 * 1024) + "tail")
    assert read_regular_file(path) == " " * (4 * 1024 * 1024)


def test_read_regular_file_never_follows_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with pytest.raises(OSError, match="Too many levels of symbolic links") as raised:  # O_NOFOLLOW
        read_regular_file(link)
    assert raised.value.errno == errno.ELOOP
    assert read_regular_file(target) == "{}"


def test_read_regular_file_names_a_fifo_and_does_not_block_on_it(tmp_path: Path) -> None:
    fifo = tmp_path / "codeartifact-state.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=rf"^{re.escape(str(fifo))} is not a regular file$"):
        read_regular_file(fifo)


# -- the mutation run's last survivors in state.py --------------------------------------------


def test_no_lock_failure_is_reported_before_a_lock_was_tried(tmp_path: Path) -> None:
    assert StateFile(tmp_path / "s.json").lock_failure is None
    assert StateFile(None).lock_failure is None


def test_the_state_file_sits_beside_the_auth_file_poetry_was_given(tmp_path: Path) -> None:
    """Poetry's config may read auth.toml from a folder that is not its default one."""
    config = Config()
    config.set_auth_config_source(FileConfigSource(TOMLFile(tmp_path / "elsewhere" / "auth.toml")))
    assert StateFile.beside(config).path == tmp_path / "elsewhere" / "codeartifact-state.json"


def test_a_private_file_is_utf8_whatever_the_locale(tmp_path: Path) -> None:
    """Under an ASCII locale (LC_ALL=C without Python's UTF-8 coercion) the file is still UTF-8."""
    write_private_file(tmp_path / "here.json", "d\u00e9j\u00e0")  # in this process too: mutmut runs a
    assert (tmp_path / "here.json").read_bytes() == "d\u00e9j\u00e0".encode()  # test only for what it calls here
    target = tmp_path / "t.json"
    code = ("import sys, pathlib; from poetry_codeartifact.state import write_private_file; "
            "write_private_file(pathlib.Path(sys.argv[1]), 'd\\u00e9j\\u00e0')")  # not in argv: ASCII there
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
           "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run([sys.executable, "-c", code, str(target)], env=env,
                         capture_output=True, text=True, encoding="utf-8", check=False)
    assert run.returncode == 0, run.stderr
    assert target.read_bytes() == "d\u00e9j\u00e0".encode()
