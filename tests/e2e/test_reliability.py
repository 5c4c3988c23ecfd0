"""Issue 4 through a real Poetry: secrets at every verbosity, parallel processes, offline use."""

from __future__ import annotations

import json
import stat
import subprocess
import time
from typing import TYPE_CHECKING

from tools.standin import TOKEN_PREFIX

if TYPE_CHECKING:
    from tests.support.user import User
    from tools.standin import StandIn


def test_no_token_in_output_at_any_verbosity(user: User, standin: StandIn) -> None:
    app = user.project("app")
    for flag in ("-v", "-vv", "-vvv"):
        user.run("codeartifact", "add-source", "private", "--url", standin.repo_url("private"), "--domain", "acme",
                 "--domain-owner", "111122223333", "--region", "eu-west-1", flag, cwd=app)
        user.run("codeartifact", "login", flag, cwd=app)
    # User.run has checked each output for the token (botocore logs response bodies at -vvv)
    state = user.config_dir / "codeartifact-state.json"
    record = json.loads(state.read_text())
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert TOKEN_PREFIX not in state.read_text()  # expiry and fingerprint only
    assert record
    assert user.files_with_tokens() == []


def test_eight_parallel_locks_make_one_token_call(user: User, standin: StandIn) -> None:
    """A monorepo script or CI matrix: eight projects of one user lock at once, no token yet."""
    projects = []
    for index in range(8):
        project = user.project(f"app{index}")
        user.add_source(project, "private", "private", "--no-login")
        text = (project / "pyproject.toml").read_text()
        text = text.replace('python = ">=3.9"\n', 'python = ">=3.9"\nacme-utils = "*"\n')
        (project / "pyproject.toml").write_text(text)
        projects.append(project)
    assert standin.token_calls() == 0
    # Every token call takes 4 seconds: the eight processes start while the first one is still
    # fetching, whatever the scheduler does, so without the lock each would make its own call.
    standin.inject("slow", count=8, delay=4)
    command = [user.poetry, *user.lock_args]
    processes = [
        subprocess.Popen(command, cwd=p, env=user.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for p in projects
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in processes]
    for code, out, err in results:
        assert code == 0, out + err
        assert TOKEN_PREFIX not in out + err
    assert standin.token_calls() == 1
    assert standin.state.unauthorized == 0
    assert all((p / "poetry.lock").exists() for p in projects)
    assert sum(fault.remaining for fault in standin.state.faults) == 7  # one slow answer was given


def test_valid_token_needs_no_aws_at_all(user: User, standin: StandIn) -> None:
    """Offline from AWS: with a valid stored token, the control plane being down changes nothing."""
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.run("add", "acme-utils", cwd=app)
    calls = standin.token_calls()
    standin.inject("drop", count=100)  # every control-plane request would fail now
    user.lock(app)
    user.run("install", cwd=app)
    assert standin.token_calls() == calls


def test_throttled_login_is_explained_and_keeps_the_old_token(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private")
    stored = (user.config_dir / "codeartifact-tokens.json").read_bytes()
    standin.inject("ThrottlingException", count=100)
    failed = user.run("codeartifact", "login", cwd=app, check=False)
    assert failed.code != 0
    assert "Traceback" not in failed.text
    assert "throttl" in failed.err.lower()
    assert "'private'" in failed.err
    assert (user.config_dir / "codeartifact-tokens.json").read_bytes() == stored
    standin.state.faults.clear()
    user.run("add", "acme-utils", cwd=app)  # the stored token still works


def test_a_slow_control_plane_is_bounded_and_explained(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    timeout, delay = 8, 30
    standin.inject("slow", count=10, delay=delay)
    started = time.monotonic()
    result = user.lock(app, check=False, env={"POETRY_CODEARTIFACT_TIMEOUT": str(timeout)})
    # bounded by the plugin's own deadline, with room for a loaded machine (Poetry's start-up
    # included), and well below one slow answer, let alone botocore's retries of ten of them
    assert time.monotonic() - started < min(timeout * 3, delay)
    assert result.code == 1
    assert "still waiting for CodeArtifact to issue a token for acme (eu-west-1)" in result.err
    # botocore's read timeout is a third of the deadline (two attempts here): its own "timed out"
    # usually comes first; the plugin's deadline is the bound either way
    assert "the response timed out" in result.err or f"did not answer within {timeout} seconds" in result.err
    assert "Traceback" not in result.text


def test_a_clock_13_hours_behind_still_refreshes_before_the_token_dies(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_dependency(app, "acme-utils")
    standin.state.clock_offset = 13 * 3600  # the service's clock is ahead: this machine's is behind
    standin.set_lifetime(4)
    login = user.run("codeartifact", "login", cwd=app)
    standin.set_lifetime(12 * 3600)
    assert "clock is 13h 00m behind CodeArtifact's" in login.err
    time.sleep(4.5)  # dead for the service; 13 hours left by this machine's clock alone
    calls = standin.token_calls()
    user.lock(app)
    assert standin.token_calls() == calls + 1
    assert standin.state.unauthorized == 0  # refreshed before use, not after a 401


def test_a_clock_13_hours_ahead_does_not_refresh_on_every_command(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_dependency(app, "acme-utils")
    standin.state.clock_offset = -13 * 3600
    login = user.run("codeartifact", "login", cwd=app)
    assert "clock is 13h 00m ahead of CodeArtifact's" in login.err
    assert "(in 11h 59m)" in login.out or "(in 12h 00m)" in login.out  # not "expired an hour ago"
    calls = standin.token_calls()
    user.lock(app)
    user.run("install", cwd=app)
    assert standin.token_calls() == calls
