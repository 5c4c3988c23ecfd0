"""One leak detector for every run of a real Poetry and for the in-process tests.

A secret (a token the stand-in issued, a user's own password) counts as leaked when any of these
appears in a text: the secret whole; any 24-character slice of it (a token cut short, or without
its recognisable prefix); its base64 form at every alignment (an ``Authorization: Basic`` header
holds base64 of ``aws:<token>``, a debug dump may hold any part of it); its URL-encoded form. Each
is searched in the text as it is and with all white space removed (a token split across lines).
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

WINDOW = 24  # long enough never to match by chance, short enough to catch a fragment
BLOCK = WINDOW // 2  # every 24-character window of a text holds one of its 12-character blocks
_SPACE = re.compile(r"\s+")


class Leak(NamedTuple):
    form: str  # "whole", "slice", "base64", "url-encoded"
    where: str  # "text", or "text without white space"
    secret_index: int  # which secret (never the secret itself: this goes into messages)

    def describe(self) -> str:
        return f"secret #{self.secret_index} ({self.form}) in the {self.where}"


def _windows(text: str, size: int = WINDOW) -> Iterable[str]:
    return (text[i:i + size] for i in range(max(len(text) - size + 1, 1)))


def _base64_forms(secret: str) -> list[str]:
    """The stable middle of base64(prefix + secret) for the three alignments a prefix can give."""
    forms = []
    raw = secret.encode()
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode()
        # the first and last group of four depend on the bytes around the secret
        forms.append(encoded[4:-4])
        forms.append(base64.urlsafe_b64encode(b"\0" * pad + raw).decode()[4:-4])
    return [form for form in forms if len(form) >= WINDOW]


class LeakDetector:
    """Finds any trace of ``secrets`` (each at least 24 characters long: shorter ones are
    checked whole only) in a text or a file."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = [secret for secret in dict.fromkeys(secrets) if secret]
        self._slices: dict[str, tuple[str, int]] = {}
        self._blocks: set[str] = set()  # every 12-character piece of a slice: a quick first sieve
        for index, secret in enumerate(self.secrets):
            forms = [("slice", secret), ("url-encoded", quote(secret, safe=""))]
            forms += [("base64", form) for form in _base64_forms(secret)]
            for form, text in forms:
                if len(text) >= WINDOW:
                    for piece in _windows(text):
                        self._slices.setdefault(piece, (form, index))
                    self._blocks.update(_windows(text, BLOCK))

    def find(self, text: str) -> list[Leak]:
        leaks: list[Leak] = []
        for where, haystack in (("text", text), ("text without white space", _SPACE.sub("", text))):
            for index, secret in enumerate(self.secrets):
                if secret in haystack:
                    leaks.append(Leak("whole", where, index))
            found = self._slice_in(haystack)
            if found is not None:
                leaks.append(Leak(found[0], where, found[1]))
            if leaks:
                return leaks
        return leaks

    def _slice_in(self, haystack: str) -> tuple[str, int] | None:
        """The form and secret of the first slice in ``haystack``. A window at ``i`` wholly holds
        the block that starts at the first multiple of BLOCK from ``i`` on, so only the blocks
        at those offsets are looked up, and only the windows around a block that matches."""
        if not self._slices:
            return None
        for start in range(0, len(haystack) - BLOCK + 1, BLOCK):
            if haystack[start:start + BLOCK] in self._blocks:
                for begin in range(max(start - BLOCK, 0), start + 1):
                    found = self._slices.get(haystack[begin:begin + WINDOW])
                    if found is not None:
                        return found
        return None

    def find_in_files(self, paths: Iterable[Path]) -> list[tuple[Path, Leak]]:
        found: list[tuple[Path, Leak]] = []
        for path in paths:
            try:
                text = path.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                continue
            found.extend((path, leak) for leak in self.find(text))
        return found

    def hide(self, text: str) -> str:
        """``text`` with every whole secret and every run of slices replaced, fit for a message."""
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        covered = [False] * len(text)
        for start, piece in enumerate(_windows(text)):
            if piece in self._slices:
                covered[start:start + WINDOW] = [True] * WINDOW
        out, index = [], 0
        while index < len(text):
            if covered[index]:
                while index < len(text) and covered[index]:
                    index += 1
                out.append("<secret>")
            else:
                out.append(text[index])
                index += 1
        return "".join(out)
