"""The leak detector catches every form a token can leak in, and the harness fails a run on it:
each test plants one form of leak and checks that it is found."""

from __future__ import annotations

import base64
import secrets
import sys
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tools.leaks import WINDOW, Leak, LeakDetector
from tools.poetry_runner import PoetryRunner, TokenLeaked

if TYPE_CHECKING:
    from pathlib import Path

TOKEN = "STANDIN-SECRET-acme-" + secrets.token_urlsafe(900)
BARE = TOKEN.removeprefix("STANDIN-SECRET-")  # what a test grepping for the prefix cannot see


def basic(user: str, secret: str) -> str:
    return "Authorization: Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


PLANTED = {
    "whole": TOKEN,
    "without its prefix": BARE,
    "a 24-character slice": BARE[300:300 + WINDOW],
    "a slice in a longer word": "xx" + BARE[500:560] + "yy",
    "base64 of aws:<token>": basic("aws", TOKEN),
    "base64 of __token__:<token>": basic("__token__", TOKEN),
    "base64 of <token> alone": base64.b64encode(TOKEN.encode()).decode(),
    "urlsafe base64": base64.urlsafe_b64encode(b"aws:" + TOKEN.encode()).decode(),
    "url-encoded in a URL": "https://aws:" + quote(TOKEN + "/+=", safe="") + "@host/",
    "split across lines": TOKEN[:400] + "\n" + TOKEN[400:800] + "\r\n    " + TOKEN[800:],
    "cut at the start and the end": BARE[7:-7],
    "in a JSON dump": '{"password": "' + BARE[:100] + '"}',
}


@pytest.mark.parametrize("text", PLANTED.values(), ids=PLANTED.keys())
def test_every_form_of_leak_is_found(text: str) -> None:
    detector = LeakDetector([TOKEN])
    leaks = detector.find("Some output before\n" + text + "\nand after.")
    assert leaks, text[:40]
    assert all(leak.secret_index == 0 for leak in leaks)
    assert BARE[:WINDOW] not in " ".join(leak.describe() for leak in leaks)  # a description holds no secret


def test_a_slice_is_found_at_every_offset_and_from_every_place_in_the_secret() -> None:
    """The detector looks up only every 12th position of a text first: no alignment of the text
    against the secret, and no place of the slice within the secret, may slip through."""
    detector = LeakDetector([TOKEN])
    for start in (0, 1, 11, 12, 13, 500, len(TOKEN) - WINDOW):
        piece = TOKEN[start:start + WINDOW]
        for offset in range(2 * WINDOW + 1):
            text = "#" * offset + piece + "#" * (offset % 5)
            assert detector.find(text) == [Leak("slice", "text", 0)], (start, offset)
        assert detector.find(piece[:-1] + "#" * 31) == []  # one character short ('#' is in no form): nothing


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Resolving dependencies... (0.3s)\nWriting lock file",
        BARE[100:100 + WINDOW - 1],  # one character short of a slice
        "STANDIN-SECRET-acme-",  # the prefix alone is no secret
        base64.b64encode(b"aws:" + b"x" * 900).decode(),  # another password's header
        secrets.token_urlsafe(900),  # another token of the same shape
    ],
)
def test_clean_text_passes(text: str) -> None:
    assert LeakDetector([TOKEN]).find(text) == []


def test_several_secrets_are_told_apart_and_short_ones_checked_whole() -> None:
    other = "STANDIN-SECRET-tools-" + secrets.token_urlsafe(900)
    detector = LeakDetector([TOKEN, other, "my-password"])
    assert {leak.secret_index for leak in detector.find(other[50:200])} == {1}
    assert [leak.form for leak in detector.find("user me, password my-password")] == ["whole"]
    assert detector.find("my-passwor") == []


def test_hide_replaces_every_trace() -> None:
    detector = LeakDetector([TOKEN])
    hidden = detector.hide(f"a {TOKEN} b {BARE[10:90]} c")
    assert hidden == "a <secret> b <secret> c"
    assert detector.find(hidden) == []


def test_files_are_searched(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "poetry.lock", tmp_path / "requirements.txt"
    clean.write_text("[[package]]\nname = 'acme-utils'\n")
    dirty.write_text(f"--extra-index-url https://aws:{quote(TOKEN, safe='')}@host/simple/\n")
    found = LeakDetector([TOKEN]).find_in_files([clean, dirty, tmp_path / "missing"])
    assert {path for path, _ in found} == {dirty}


def runner(tmp_path: Path, in_file: str = "") -> PoetryRunner:
    """A harness whose 'poetry' is Python, watching a file that holds ``in_file``."""
    watched = tmp_path / "pyproject.toml"
    watched.write_text(in_file)
    return PoetryRunner(sys.executable, {}, "2.5.1", cwd=tmp_path, secrets=lambda: [TOKEN],
                        files=lambda: [watched])


@pytest.mark.parametrize("form", ["base64 of aws:<token>", "without its prefix", "split across lines"])
def test_the_harness_fails_a_run_that_prints_a_leak(tmp_path: Path, form: str) -> None:
    harness = runner(tmp_path)
    script = f"import sys; sys.stderr.write({PLANTED[form]!r})"
    with pytest.raises(TokenLeaked) as raised:
        harness.run("-c", script)
    assert BARE[:WINDOW] not in str(raised.value)  # the failure message hides it
    assert "<secret>" in str(raised.value)


def test_the_harness_fails_a_run_that_leaves_a_leak_in_a_file(tmp_path: Path) -> None:
    harness = runner(tmp_path, in_file=f'url = "https://aws:{BARE[:200]}@host/"\n')
    with pytest.raises(TokenLeaked) as raised:
        harness.run("-c", "print('ok')")
    assert "pyproject.toml" in str(raised.value)


def test_the_harness_passes_a_clean_run(tmp_path: Path) -> None:
    result = runner(tmp_path, in_file="[tool.poetry]\n").run("-c", "print('Writing lock file')")
    assert result.out == "Writing lock file\n"
