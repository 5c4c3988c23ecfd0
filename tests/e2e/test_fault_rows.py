"""Issue 19's fault rows through a real Poetry (M1-M6, M8, R4; M7 and T1 are in
test_secret_service.py, R1-R3 in test_readme.py and test_install.py, P1 in the benchmark): each
case as the issue found it, with what the user sees now. The exit code, wall time and message of
each run also go to the file named by ``POETRY_CODEARTIFACT_TEST_REPORT`` (tools/test.py sets
it), for the closing note."""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING

import pytest

from tests.support.app import snapshot
from tests.support.user import POETRY_VERSION

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.user import User
    from tools.poetry_runner import Result
    from tools.standin import StandIn

# The rows were found on these two; 2.0.1 runs the same code paths as 2.5.1 here.
pytestmark = pytest.mark.skipif(POETRY_VERSION == "2.0.1", reason="the issue's rows are on 1.8.5 and 2.5.1")

REAL_URL = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/private/"
POETRYS_OWN_OPTIONS = ("help", "no-cache", "project", "directory", "verbose")
MAPPING = ("--domain", "acme", "--domain-owner", "111122223333", "--region", "eu-west-1")


def report(row: str, user: User, result: Result, standin: StandIn) -> None:
    path = os.environ.get("POETRY_CODEARTIFACT_TEST_REPORT")
    if not path:
        return
    message = [line for line in result.err.splitlines() if line.strip()] or result.out.splitlines()
    entry = {"issue": 19, "row": row, "poetry": user.version, "command": " ".join(result.args), "exit": result.code,
             "seconds": round(result.seconds, 1), "message": " ".join(message)[:400],
             "token_calls": standin.token_calls()}
    with open(path, "a") as handle:
        handle.write(json.dumps(entry) + "\n")


def test_m1_a_query_or_fragment_in_the_url_is_refused(user: User, standin: StandIn) -> None:
    app = user.project("app")
    before = snapshot(app, user.config_dir)
    for suffix in ("?x=1", "#frag"):
        result = user.run("codeartifact", "add-source", "corp", "--url", f"{REAL_URL}simple/{suffix}", *MAPPING,
                          cwd=app, check=False)
        report("M1", user, result, standin)
        assert result.code == 1
        assert "Invalid --url" in result.err
        assert "query" in result.err or "fragment" in result.err
        assert "Traceback" not in result.text
    assert snapshot(app, user.config_dir) == before
    assert standin.token_calls() == 0


def test_m2_an_existing_source_is_named_and_keeps_its_priority(user: User, standin: StandIn) -> None:
    app = user.project("app")
    pyproject = app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[[tool.poetry.source]]\nname = "mirror"\n'
                         'url = "https://mirror.example/simple/"\npriority = "supplemental"\n')
    result = user.add_source(app, "mirror", "private")
    report("M2", user, result, standin)
    assert "Source mirror already existed (https://mirror.example/simple/)" in result.out
    assert "priority supplemental, kept" in result.out
    assert 'priority = "supplemental"' in pyproject.read_text()
    assert "https://mirror.example/simple/" not in pyproject.read_text()


def _login_with(user: User, standin: StandIn, row: str, body: str) -> Result:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    standin.inject("answer", body=body, operation="GetAuthorizationToken")
    result = user.run("codeartifact", "login", cwd=app, check=False)
    report(row, user, result, standin)
    assert result.code == 1
    assert "Traceback" not in result.text
    assert "logged in" not in result.out
    assert "did not answer" not in result.err
    assert not (user.config_dir / "codeartifact-tokens.json").exists()
    return result


def test_m3_an_answer_without_expiration_or_json_is_no_login(user: User, standin: StandIn) -> None:
    for body in ("{}", "not json", '{"authorizationToken": "x"}'):
        result = _login_with(user, standin, "M3", body)
        assert "CodeArtifact answered GetAuthorizationToken with" in result.err or "could not" in result.err


def test_m4_an_empty_token_is_no_login(user: User, standin: StandIn) -> None:
    result = _login_with(user, standin, "M4", json.dumps({"authorizationToken": "", "expiration": time.time() + 3600}))
    assert "CodeArtifact answered GetAuthorizationToken with" in result.err
    assert "dot" not in result.err  # no false warning about a source name


def test_m5_a_token_expired_on_arrival_is_no_login(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    standin.set_lifetime(-3600)
    result = user.run("codeartifact", "login", cwd=app, check=False)
    report("M5", user, result, standin)
    assert result.code == 1
    assert "already expired" in result.err
    assert "logged in" not in result.out
    standin.set_lifetime(12 * 3600)
    status = user.run("codeartifact", "status", cwd=app)
    assert "expires expired" not in status.out


def test_m6_a_config_folder_that_cannot_be_created_is_not_blamed_on_another_process(
    user: User, standin: StandIn, tmp_path: Path
) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    user.add_dependency(app, "acme-utils")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where Poetry's config folder's parent should be\n")
    result = user.lock(app, check=False, env={"POETRY_CONFIG_DIR": str(blocker / "pypoetry")})
    report("M6", user, result, standin)
    assert result.code == 0, result.text
    assert "another Poetry process" not in result.text
    assert str(blocker) in result.err  # the warning names the path that failed
    assert standin.token_calls() == 1


def test_m8_one_stalled_answer_is_retried_within_the_deadline(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.add_source(app, "private", "private", "--no-login")
    standin.inject("slow", delay=30, operation="GetAuthorizationToken")  # longer than a read may take
    started = time.monotonic()
    result = user.run("codeartifact", "login", cwd=app, env={"POETRY_CODEARTIFACT_TIMEOUT": "9"})
    report("M8", user, result, standin)
    assert "logged in" in result.out
    assert time.monotonic() - started < 9 + 5  # botocore's retry succeeded inside the 9-second deadline
    assert standin.token_calls() == 1  # the stalled call never issued a token


def test_r4_help_fits_an_80_column_terminal(user: User, standin: StandIn) -> None:
    for command in (("codeartifact",), *(("codeartifact", name, "--help") for name in
                                          ("add-source", "login", "status", "doctor", "logout", "token"))):
        result = user.run(*command, env={"COLUMNS": "80"})
        report("R4", user, result, standin)
        lines = result.out.splitlines()
        if command == ("codeartifact",):
            assert lines[0].startswith("poetry-codeartifact 0.")  # a version and a path: no place to wrap
            lines = lines[1:]
        # Poetry's own options (--no-cache, --directory, ...) are printed on one line, up to 300 columns
        ours = [line for line in lines if not any(f"--{name}" in line for name in POETRYS_OWN_OPTIONS)]
        widest = max(len(line) for line in ours)
        assert widest <= 80, (command, widest)
