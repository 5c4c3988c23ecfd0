"""A real keyring, as users have one: gnome-keyring's Secret Service in a private D-Bus session
(issue 19 T1 and M7). Poetry's own keyring backend (SecretService, through secretstorage) talks to
it; nothing is faked. `.ci/run` installs gnome-keyring and dbus; on a machine without them these
tests fail under CI and are skipped elsewhere."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_fault_rows import report
from tests.support.user import POETRY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.support.user import User
    from tools.standin import StandIn

SERVICE = "poetry-codeartifact"
MISSING = [tool for tool in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(tool) is None]
if MISSING and not os.environ.get("CI"):
    pytestmark = pytest.mark.skip(reason=f"needs {', '.join(MISSING)} (Debian: gnome-keyring, dbus)")


class SecretService:
    """A session bus and a gnome-keyring-daemon with an unlocked login collection."""

    def __init__(self, home: Path) -> None:
        assert not MISSING, f"install {', '.join(MISSING)} (.ci/run does)"
        self.runtime = tempfile.mkdtemp(prefix="kr-")  # short: unix socket paths are limited
        os.chmod(self.runtime, 0o700)
        self.env = {"HOME": str(home), "XDG_RUNTIME_DIR": self.runtime, "XDG_DATA_HOME": str(home / "share"),
                    "XDG_CONFIG_HOME": str(home / "config"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1",
                              "--nopidfile"], env=self.env, capture_output=True, text=True, check=True, timeout=30)
        address, pid = bus.stdout.split()[:2]
        self.bus_pid = int(pid)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address
        subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize", "--replace"],
                       input="test-password", env=self.env, capture_output=True, text=True, check=True, timeout=30)
        self._wait_until_served()

    def _wait_until_served(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._python("import secretstorage as s; s.get_default_collection(s.dbus_init())").returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError("gnome-keyring-daemon did not serve the Secret Service in 20 seconds")

    def _python(self, code: str) -> subprocess.CompletedProcess[str]:
        python = str(Path(POETRY).parent / "python")  # Poetry's own Python has secretstorage
        return subprocess.run([python, "-c", code], env=self.env, capture_output=True, text=True, timeout=30,
                              check=False)

    def stored_keys(self) -> list[str]:
        """The token keys (never the tokens) the plugin stored in the collection."""
        result = self._python(
            "import secretstorage as s\n"
            "c = s.get_default_collection(s.dbus_init())\n"
            f"print('\\n'.join(sorted(i.get_attributes().get('username', '') for i in c.search_items("
            f"{{'service': {SERVICE!r}}}))))"
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    def lock(self) -> None:
        result = self._python("import secretstorage as s; s.get_default_collection(s.dbus_init()).lock()")
        assert result.returncode == 0, result.stderr

    def stop(self) -> None:
        for process in Path("/proc").glob("[0-9]*"):  # this test's daemon: its environment names our folder
            try:
                if b"gnome-keyring" not in (process / "cmdline").read_bytes():
                    continue
                if self.runtime.encode() in (process / "environ").read_bytes():
                    os.kill(int(process.name), signal.SIGTERM)
            except (OSError, ProcessLookupError):
                continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.bus_pid, signal.SIGTERM)
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture
def keyring_user(user: User) -> Iterator[tuple[User, SecretService]]:
    service = SecretService(user.home)
    user.env.update({key: value for key, value in service.env.items() if key != "PATH"})
    user.env["POETRY_KEYRING_ENABLED"] = "true"
    yield user, service
    service.stop()


def test_login_stores_in_the_secret_service_and_the_next_command_needs_no_aws(
    keyring_user: tuple[User, SecretService], standin: StandIn
) -> None:
    user, service = keyring_user
    app = user.project("app")
    added = user.add_source(app, "private", "private")
    assert "(token in keyring)" in added.out
    assert service.stored_keys() == ["acme-111122223333@eu-west-1"]
    assert not (user.config_dir / "codeartifact-tokens.json").exists()
    status = user.run("codeartifact", "status", cwd=app)
    assert "keyring" in status.out
    user.add_dependency(app, "acme-utils")
    user.lock(app)
    assert standin.token_calls() == 1  # the token came back from the Secret Service
    assert ("private", "acme") in standin.state.seen


def test_a_locked_collection_keeps_commands_bounded_and_logout_truthful(
    keyring_user: tuple[User, SecretService], standin: StandIn
) -> None:
    user, service = keyring_user
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.add_dependency(app, "acme-utils")
    service.lock()  # as over SSH: no prompt can unlock it
    started = time.monotonic()
    locked = user.lock(app)  # Poetry cannot read the keyring: a new token, kept in the owner-only file
    report("M7", user, locked, standin)
    assert time.monotonic() - started < 60
    assert "keyring" in locked.err
    assert "codeartifact-tokens.json" in locked.err
    assert standin.token_calls() == 2
    logout = user.run("codeartifact", "logout", cwd=app, check=False)
    report("M7", user, logout, standin)
    assert logout.code == 1  # a live token stays in the locked keyring: not "logged out"
    assert "Could not remove the token of 'private'" in logout.err
    assert "no token was stored" not in logout.text
