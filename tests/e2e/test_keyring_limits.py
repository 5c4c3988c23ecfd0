"""Issue 14, item 3, through a real Poetry: a keyring that refuses a token as long as
CodeArtifact's (Windows Credential Manager does) costs one warning, and the next command finds the
token in the owner-only token file without calling AWS."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.user import User
    from tools.standin import StandIn

BACKENDS = Path(__file__).resolve().parent.parent / "support" / "backends"


def test_a_token_too_large_for_the_keyring_goes_to_the_token_file_once(user: User, standin: StandIn) -> None:
    keyring_file = user.root / "keyring.json"
    user.env.update({
        "POETRY_KEYRING_ENABLED": "true",
        "PYTHON_KEYRING_BACKEND": "limited_keyring.LimitedKeyring",
        "PYTHONPATH": str(BACKENDS),
        "LIMITED_KEYRING_FILE": str(keyring_file),
    })
    app = user.project("app")
    added = user.add_source(app, "private", "private")
    assert added.err.count("keyring refused") == 1
    assert "codeartifact-tokens.json" in added.err
    tokens = user.config_dir / "codeartifact-tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert len(json.loads(tokens.read_text())["tokens"]) == 1
    assert not keyring_file.exists() or "STANDIN" not in keyring_file.read_text()

    calls = standin.token_calls()
    user.run("add", "acme-utils", cwd=app)
    locked = user.lock(app)
    assert standin.token_calls() == calls  # found in the token file: no AWS call
    assert "keyring" not in locked.err  # and no second warning
    assert user.files_with_tokens() == []  # never in auth.toml, config.toml or the state file
