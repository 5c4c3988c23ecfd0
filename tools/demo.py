"""Try poetry-codeartifact without AWS: ``python3 tools/demo.py`` (or ``python -m tools.demo``).

Needs only Python 3. It builds what it needs (virtualenvs with Poetry and this plugin, see
tools/venvs.py; the first run downloads them from PyPI and takes a few minutes), starts the
local CodeArtifact stand-in (tools/standin.py) on 127.0.0.1 and walks through what a developer
does, printing every command, its output and what just happened:

1. a library project adds CodeArtifact as a source and publishes a private package to it;
2. an application project installs that package from CodeArtifact;
3. later commands reuse the stored token without asking AWS again;
4. the token expires and ``poetry install`` fetches a new one by itself;
5. the server revokes a token and the plugin replaces it within the command;
6. ``poetry codeartifact login`` logs in on demand, ``status`` shows where things stand;
7. on Poetry 2.x, a teammate with a Poetry that has no plugin joins through the project's
   ``[tool.poetry.requires-plugins]``.

Everything happens under .demo/ in this repository (wiped at the start) with a throw-away HOME
and Poetry configuration: your own ~/.aws, Poetry config and keyring are not touched. Poetry and
boto3 talk to the stand-in only; a proxy pointing at a closed local port stops any other request.

    python3 tools/demo.py                  # with the latest supported Poetry
    python3 tools/demo.py --poetry 1.8.5   # with another one
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any, NoReturn

if not __package__:  # run as `python3 tools/demo.py`: import `tools` from the repository root, not from tools/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tools import ROOT, importable, sandbox, venvs
from tools.poetry_runner import PoetryRunner, Result, TokenLeaked
from tools.standin import DEFAULT_REPOS, TOKEN_PREFIX

DEMO = ROOT / ".demo"
DOMAIN, OWNER, REGION, REPOSITORY = DEFAULT_REPOS[0]  # acme / 111122223333 / eu-west-1 / private
SOURCE = "private"  # the name of the source in the projects (the same as the repository here)
KEY = f"{DOMAIN}-{OWNER}@{REGION}"  # how the plugin files the domain's token
PACKAGE = "acme-utils"
VERSION = "1.0.0"
SHORT_LIFETIME = 5  # seconds: the demo's token expires quickly instead of after 12 hours
NORMAL_LIFETIME = 12 * 3600
INDENT = "    "


class DemoFailure(Exception):
    """Something did not happen as the demo expected: printed, then exit 1."""


# -- output ----------------------------------------------------------------------------------


def _styled(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m" if sys.stdout.isatty() and not os.environ.get("NO_COLOR") else text


def say(text: str = "") -> None:
    """Explanations for the reader, wrapped to a comfortable width."""
    for paragraph in text.split("\n"):
        wrapped = textwrap.fill(paragraph, 100, break_on_hyphens=False, break_long_words=False)
        print(wrapped if paragraph else "", flush=True)


def step(number: int, total: int, title: str) -> None:
    print(flush=True)
    print(_styled(f"=== Step {number} of {total}: {title} ", "1;36").ljust(100, "="), flush=True)


def show(text: str) -> None:
    """Output of a command or content of a file, indented under it."""
    lines = text.rstrip("\n").splitlines() or ["(no output)"]
    for line in lines:
        print(INDENT + line, flush=True)


def ok(text: str) -> None:
    print(_styled(f"  ok: {text}", "32"), flush=True)


def fail(text: str) -> NoReturn:
    raise DemoFailure(text)


# -- the stand-in ----------------------------------------------------------------------------


class StandInProcess:
    """The stand-in (``python -m tools.standin serve``) as a process of its own (in its own process
    group, so that it and its pypiserver children can be stopped together), controlled over its
    /_standin/ admin API."""

    def __init__(self, python: Path, workdir: Path) -> None:
        self.workdir = workdir
        self.log = workdir / "standin.log"
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        workdir.mkdir(parents=True, exist_ok=True)
        self._python = python
        # The admin API is on 127.0.0.1: never through a proxy from the caller's environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def start(self) -> None:
        command = [str(self._python), "-m", "tools.standin", "serve", "--workdir", str(self.workdir)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True,
                start_new_session=True, env=importable({**os.environ, **safety_net_env()}),
            )
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=60)
        line = self.process.stdout.readline().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            fail(f"the stand-in did not start (it said {line!r}). Its log, {self.log}:\n{self._log_text()}")
        self.url = line

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        # Its process group is the stand-in and its pypiserver children, nothing else.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # it stops its pypiserver children itself
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        # Children left behind by a stand-in that died on its own.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.stdout is not None:
            process.stdout.close()

    def _log_text(self) -> str:
        try:
            return self.log.read_text()[-3000:] or "(empty)"
        except OSError:
            return "(unreadable)"

    def admin(self, action: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.process is None or self.process.poll() is not None:
            fail(f"the stand-in is no longer running. Its log:\n{self._log_text()}")
        request = urllib.request.Request(
            f"{self.url}/_standin/{action}", data=json.dumps(data or {}).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with self._opener.open(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def token_calls(self) -> int:
        return sum(self.admin("state")["token_calls"].values())

    def repo_url(self, name: str) -> str:
        return f"{self.url}/pypi/{name}/simple/"

    def packages(self, name: str) -> list[str]:
        return sorted(p.name for p in (self.workdir / "packages" / name).iterdir())


_PROXY_PORT = sandbox.closed_port()


def safety_net_env() -> dict[str, str]:
    """Only 127.0.0.1 is reachable: everything else goes to a proxy that is not there."""
    return sandbox.safety_net_env(_PROXY_PORT)


# -- the developer's machine -----------------------------------------------------------------


class Machine(PoetryRunner):
    """A developer's machine: a real ``poetry`` with the plugin, an isolated HOME and Poetry
    configuration, fake AWS keys, and boto3 pointed at the stand-in."""

    def __init__(self, root: Path, poetry: Path, standin: StandInProcess, poetry_version: str) -> None:
        env = sandbox.user_env(root, standin.url, access_key="AKIDSTANDINDEMO", proxy_port=_PROXY_PORT)
        super().__init__(poetry, env, poetry_version, cwd=root)
        self.root = root
        self.home = root / "home"
        self.config_dir = root / "poetry-config"
        self.cache_dir = root / "poetry-cache"
        self.baseline = poetry  # a Poetry without the plugin (step 9's teammate)
        self.test_python = Path(sys.executable)  # a Python with boto3 (step 9's AWS CLI call)
        self.wheelhouse: Path | None = None  # the public packages behind the repository (step 9)

    @property
    def token_file(self) -> Path:
        return self.config_dir / "codeartifact-tokens.json"

    @property
    def state_file(self) -> Path:
        return self.config_dir / "codeartifact-state.json"

    def cd(self, path: Path) -> None:
        print(f"$ cd {path.relative_to(self.root)}", flush=True)
        self.cwd = path

    def poetry_run(self, *args: str, expect: tuple[str, ...] = (), verbose_filter: bool = False,
                   env: dict[str, str] | None = None, shown_env: str = "") -> Result:
        """Run ``poetry ARGS`` in the current directory, print it and its output, and fail the
        demo unless it succeeds, prints each of ``expect`` and shows no token. ``env`` is added
        to the machine's environment; ``shown_env`` is how the printed command line shows it."""
        print(_styled("$ " + shown_env + "poetry " + " ".join(_quote(a) for a in args), "1"), flush=True)
        try:
            result = self.run(*args, env=env, check=False, merge_stderr=True)
        except subprocess.TimeoutExpired:
            fail(f"`poetry {' '.join(args)}` did not finish in 5 minutes")
        except TokenLeaked:
            fail(f"a token appeared in the output of `poetry {' '.join(args)}` (it never should); not showing it")
        text = result.out.replace("\r", "\n")  # stdout and stderr, interleaved as a terminal shows them
        if verbose_filter and result.code == 0:
            show(_trim_verbose(text))
            print(INDENT + "(verbose output trimmed to the plugin's lines and Poetry's main steps)", flush=True)
        else:
            show(text)
        if result.code != 0:
            fail(f"`poetry {' '.join(args)}` exited with {result.code}")
        missing = [wanted for wanted in expect if wanted not in text]
        if missing:
            fail(f"`poetry {' '.join(args)}` did not print {missing}")
        return result


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\"'\"'") + "'"


_VERBOSE_KEPT = re.compile(
    r"^\s*(CodeArtifact:|Installing dependencies|Package operations|- Installing|- Downloading|"
    r"Writing lock file|Installing the current project|Resolving dependencies|Updating dependencies|"
    r"No dependencies to install)"
)


def _trim_verbose(text: str) -> str:
    seen: list[str] = []
    for line in text.splitlines():
        if _VERBOSE_KEPT.match(line) and line not in seen:
            seen.append(line)
    return "\n".join(seen)


def pyproject(name: str, *, package: bool) -> str:
    return sandbox.pyproject(name, package=package, version=VERSION if package else "0.1.0",
                             purpose="a project of the poetry-codeartifact demo")


LIBRARY_CODE = f'''"""acme-utils: the private package of the poetry-codeartifact demo."""

__version__ = "{VERSION}"


def greet(name: str) -> str:
    return f"Hello {{name}}, from a private package installed from CodeArtifact!"
'''


# -- checks ----------------------------------------------------------------------------------


def our_tables(pyproject_text: str) -> str:
    """The ``[[tool.poetry.source]]`` and ``[tool.poetry-codeartifact...]`` tables of a pyproject.toml."""
    kept: list[str] = []
    keep = False
    for line in pyproject_text.splitlines():
        if line.startswith("["):
            keep = line.startswith(("[[tool.poetry.source]]", "[tool.poetry-codeartifact"))
        if keep:
            kept.append(line)
    return "\n".join(kept)


def check_no_token_in(paths: list[Path]) -> None:
    for path in paths:
        if path.exists() and TOKEN_PREFIX.encode() in path.read_bytes():
            fail(f"{path} contains a token; only the plugin's token store may")


def describe_token_store(machine: Machine) -> None:
    path = machine.token_file
    if not path.exists():
        fail(f"{path} does not exist: add-source should have stored the token there")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != 0o600:
        fail(f"{path} has mode {oct(mode)}; a file holding tokens must be 0o600 (owner only)")
    data = json.loads(path.read_text())
    if not data["tokens"].get(KEY, "").startswith(TOKEN_PREFIX):
        fail(f"{path} holds no token for {KEY}")
    # Show its shape with the secret replaced: the demo never prints a token.
    hidden = {**data, "tokens": {key: "<the token, hidden by the demo>" for key in data["tokens"]}}
    say(f"The token went to the plugin's token store, {path.relative_to(machine.root)} (mode "
        f"{oct(mode)[2:]}: only you can read it), filed under the domain, not under the source name: "
        f"every project whose source points into domain '{DOMAIN}' uses it, whatever it calls the source. "
        "(The demo turned Poetry's keyring off; with a keyring, the token would go there.) Poetry gets it "
        "in memory when it needs it, so nothing is written to Poetry's own auth.toml.")
    show(json.dumps(hidden, indent=2))
    if (machine.config_dir / "auth.toml").exists():
        fail("the plugin wrote Poetry's auth.toml; it never should")


def describe_state(machine: Machine) -> None:
    data = json.loads(machine.state_file.read_text())
    record = data["tokens"][KEY]
    left = record["expires_at"] - time.time()
    when = f"in {left / 3600:.1f} hours" if left > 3600 else (f"in {left:.0f}s" if left > 0 else f"{-left:.0f}s ago")
    say(f"The plugin's record of the token in {machine.state_file.relative_to(machine.root)} (its expiry and "
        f"a fingerprint, never the token itself): {'expires' if left > 0 else 'expired'} {when}.")


# -- the walk-through ------------------------------------------------------------------------


TOTAL_STEPS = 9


def walk_through(machine: Machine, standin: StandInProcess) -> None:
    calls_log: list[tuple[str, int]] = []

    def count_calls(what: str, expected_new: int) -> None:
        before = sum(n for _, n in calls_log)
        now = standin.token_calls()
        new = now - before
        calls_log.append((what, new))
        if new != expected_new:
            fail(f"{what}: expected {expected_new} new token call(s) to CodeArtifact, the stand-in counted {new}")
        ok(f"token calls to CodeArtifact so far: {now} ({new} new, {what})")

    # 1 -------------------------------------------------------------------------------------
    step(1, TOTAL_STEPS, "a CodeArtifact of our own")
    say(f"A local stand-in for AWS CodeArtifact is running at {standin.url}. It holds domain "
        f"'{DOMAIN}' (AWS account {OWNER}, region {REGION}) with a repository '{REPOSITORY}', hands out "
        "authorization tokens like the real service (valid for 12 hours), and turns away any request "
        "to the repository without a valid token (401), as CodeArtifact does.")
    say("Poetry runs with a throw-away HOME and configuration under .demo/, fake AWS keys, and "
        "AWS_ENDPOINT_URL_CODEARTIFACT pointing at the stand-in. Nothing reaches AWS or the internet.")
    say("A token goes only to CodeArtifact's own hosts (https://...codeartifact...amazonaws.com) or to hosts "
        "you trust yourself. The stand-in is 127.0.0.1, so this machine trusts it with "
        f"POETRY_CODEARTIFACT_TRUSTED_HOSTS={machine.env['POETRY_CODEARTIFACT_TRUSTED_HOSTS']} (a project file "
        "cannot do that: a cloned pyproject.toml must never steer your token to its own server).")
    say(f"Poetry: {machine.version}, with poetry-codeartifact installed into it "
        "from this clone's wheel (what `poetry self add ./dist/<wheel>` does; the PyPI name belongs to another "
        "project).")

    # 2 -------------------------------------------------------------------------------------
    step(2, TOTAL_STEPS, f"publish a private package, {PACKAGE}")
    library = machine.root / PACKAGE
    (library / PACKAGE.replace("-", "_")).mkdir(parents=True)
    (library / "pyproject.toml").write_text(pyproject(PACKAGE, package=True))
    (library / PACKAGE.replace("-", "_") / "__init__.py").write_text(LIBRARY_CODE)
    say(f"The library team has a small Poetry project, {PACKAGE} {VERSION}. One command makes the "
        f"CodeArtifact repository a source of the project and logs in.")
    say(f"With a real CodeArtifact URL (https://{DOMAIN}-{OWNER}.d.codeartifact.{REGION}.amazonaws.com/"
        f"pypi/{REPOSITORY}/) --url alone would do: the plugin reads domain, account and region from it. "
        "The stand-in's URL is 127.0.0.1, so the demo names them.")
    machine.cd(library)
    mapping = ("--domain", DOMAIN, "--domain-owner", OWNER, "--region", REGION)
    machine.poetry_run("codeartifact", "add-source", SOURCE, "--url", standin.repo_url(REPOSITORY), *mapping,
                       expect=(f"Added source {SOURCE}", f"poetry publish -r {SOURCE}", "Logged in"))
    count_calls("add-source logged in", 1)
    say("add-source wrote the source to pyproject.toml, with the CodeArtifact domain it belongs to "
        "(safe to commit: no secret in it):")
    text = (library / "pyproject.toml").read_text()
    for wanted in ("[[tool.poetry.source]]", f"[tool.poetry-codeartifact.sources.{SOURCE}]"):
        if wanted not in text:
            fail(f"pyproject.toml has no {wanted}")
    show(our_tables(text))
    check_no_token_in([library / "pyproject.toml"])
    ok("no token in pyproject.toml")
    describe_token_store(machine)
    describe_state(machine)

    say("\nNow publish. `publish -r private` uploads to the repository of this project's source 'private' "
        "(no `poetry config repositories...` needed). Before it talks to the repository, the plugin "
        "checks the token: it is fresh, so no call to AWS is needed.")
    machine.poetry_run("publish", "--build", "-r", SOURCE, expect=(f"Publishing {PACKAGE} ({VERSION}) to {SOURCE}",))
    count_calls("publish reused the stored token", 0)
    files = standin.packages(REPOSITORY)
    module = PACKAGE.replace("-", "_")
    if f"{module}-{VERSION}-py3-none-any.whl" not in files or f"{module}-{VERSION}.tar.gz" not in files:
        fail(f"the repository '{REPOSITORY}' does not hold the published files: {files}")
    ok(f"the repository '{REPOSITORY}' now holds: {', '.join(files)}")

    # 3 -------------------------------------------------------------------------------------
    step(3, TOTAL_STEPS, f"install {PACKAGE} in an application")
    app = machine.root / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(pyproject("app", package=False))
    say(f"An application project wants {PACKAGE}. Same add-source command, then an ordinary "
        f"`poetry add`. The domain's token is still valid, so add-source asks AWS nothing.")
    machine.cd(app)
    machine.poetry_run("codeartifact", "add-source", SOURCE, "--url", standin.repo_url(REPOSITORY), *mapping,
                       expect=(f"Added source {SOURCE}", "Logged in"))
    count_calls("add-source in the app reused the domain's token", 0)
    machine.poetry_run("add", PACKAGE, expect=(f"Installing {PACKAGE} ({VERSION})", "Writing lock file"))
    count_calls("`poetry add` reused the stored token", 0)
    lock = (app / "poetry.lock").read_text()
    if f'name = "{PACKAGE}"' not in lock or standin.repo_url(REPOSITORY).rstrip("/") not in lock:
        fail(f"poetry.lock does not record {PACKAGE} from the CodeArtifact source")
    check_no_token_in([app / "pyproject.toml", app / "poetry.lock", machine.state_file])
    ok("poetry.lock records the CodeArtifact source; no token in pyproject.toml, poetry.lock or the state file")
    code = 'import acme_utils; print(acme_utils.greet("newcomer"))'
    machine.poetry_run("run", "python", "-c", code, expect=("Hello newcomer, from a private package",))

    # 4 -------------------------------------------------------------------------------------
    step(4, TOTAL_STEPS, "a valid token costs nothing")
    say("The plugin checks the token when Poetry first needs it, in any command that reads the index "
        "(install, lock, show --outdated, export, other plugins' commands...). While the stored token is "
        "good it only reads two small files: no AWS call, no delay. Three commands in a row (the -vvv one "
        "shows the plugin's check):")
    machine.poetry_run("install", expect=("No dependencies to install or update",))
    machine.poetry_run(*machine.lock_args)
    machine.poetry_run("install", "-vvv", expect=(f"CodeArtifact: {SOURCE}: token valid",), verbose_filter=True)
    count_calls("three commands with a valid token", 0)

    # 5 -------------------------------------------------------------------------------------
    step(5, TOTAL_STEPS, "the token expires; Poetry gets a new one by itself")
    say(f"Real tokens last up to 12 hours, and without this plugin an expired one means a 401 and a "
        f"manual `aws codeartifact get-authorization-token` dance. Rather than wait 12 hours, the demo "
        f"makes the stand-in issue {SHORT_LIFETIME}-second tokens for one login, then waits for that "
        "token to expire.")
    standin.admin("lifetime", {"seconds": SHORT_LIFETIME})
    try:
        machine.poetry_run("codeartifact", "login", SOURCE, expect=(f"{SOURCE}: logged in",))
    finally:
        standin.admin("lifetime", {"seconds": NORMAL_LIFETIME})
    count_calls("the demo's short-lived login", 1)
    print(f"(waiting {SHORT_LIFETIME + 1} seconds for the token to expire)", flush=True)
    time.sleep(SHORT_LIFETIME + 1)
    describe_state(machine)
    say("To make install really download from CodeArtifact again, the demo deletes the app's "
        "virtualenv and Poetry's download cache. Then a plain `poetry install` (with -vvv to show "
        "the plugin at work):")
    shutil.rmtree(app / ".venv")
    shutil.rmtree(machine.cache_dir, ignore_errors=True)
    unauthorized = standin.admin("state")["unauthorized"]
    machine.poetry_run("install", "-vvv", expect=(f"CodeArtifact: {SOURCE}: token fetched", f"Installing {PACKAGE}"),
                       verbose_filter=True)
    count_calls("`poetry install` refreshed the expired token", 1)
    if standin.admin("state")["unauthorized"] != unauthorized:
        fail("Poetry sent the expired token to the repository (the stand-in answered 401)")
    ok("the expired token was never sent: the plugin replaced it before Poetry needed it")
    describe_state(machine)
    machine.poetry_run("run", "python", "-c", code, expect=("Hello newcomer",))

    # 6 -------------------------------------------------------------------------------------
    step(6, TOTAL_STEPS, "the server rejects a token the plugin believed valid")
    say("A token can die before its time: rotated keys, a changed domain policy, a clock that is off. The "
        "demo makes the stand-in revoke every token it issued. The plugin's record still says \"valid for "
        "hours\", so `poetry show --outdated` starts with it, gets a 401, and the plugin fetches a new token "
        "and retries, within the same command:")
    standin.admin("revoke")
    machine.poetry_run("show", "--outdated", expect=(f"rejected the stored token of '{SOURCE}'",))
    count_calls("a revoked token was replaced within the command", 1)
    machine.poetry_run("show", "--outdated")
    count_calls("the next command used the new token", 0)

    # 7 -------------------------------------------------------------------------------------
    step(7, TOTAL_STEPS, "log in on demand")
    say("You never have to, but `poetry codeartifact login` fetches fresh tokens for every CodeArtifact "
        "source of the project now (say, before going offline for a day):")
    machine.poetry_run("codeartifact", "login", expect=(f"{SOURCE}: logged in", "in 11h"))
    count_calls("explicit login", 1)
    check_no_token_in([library / "pyproject.toml", app / "pyproject.toml", app / "poetry.lock", machine.state_file])

    # 8 -------------------------------------------------------------------------------------
    step(8, TOTAL_STEPS, "see where things stand")
    say("`poetry codeartifact status` lists every CodeArtifact source and publish repository, whose AWS "
        "credentials they use, where the token is kept and when it expires. It asks AWS nothing:")
    machine.poetry_run("codeartifact", "status", expect=(SOURCE, "codeartifact-tokens.json", "in 11h"))
    count_calls("status", 0)
    say("When something is wrong, `poetry codeartifact doctor` is the one command that asks AWS: who your "
        "credentials belong to (STS), whether a token can be had, whether the repository answers with it, "
        "what is behind the repository (PyPI as an upstream?) and whether the project's sources leave room "
        "for dependency confusion, with the fix for each failure. Its token is a short-lived one for the "
        "check alone, never stored:")
    machine.poetry_run("codeartifact", "doctor", expect=("everything works",))
    count_calls("doctor's own short-lived token", 1)

    # 9 -------------------------------------------------------------------------------------
    step(9, TOTAL_STEPS, "a teammate joins through requires-plugins")
    if machine.is_poetry_1:
        say("Poetry 1.8 has no [tool.poetry.requires-plugins]: run the demo with Poetry 2.x to see this step.")
    else:
        teammate_joins(machine, standin, app, count_calls)

    print(flush=True)
    print(_styled("=== Done ".ljust(100, "="), "1;36"), flush=True)
    say("Every call the stand-in got for a token, and why:")
    for what, new in calls_log:
        if new:
            show(f"{new}  {what}")
    say("Every other command used the stored token, and no output or project file ever showed it.")


def teammate_joins(machine: Machine, standin: StandInProcess, app: Path, count_calls: Any) -> None:
    """Step 9: the project requires the plugin; a teammate whose Poetry has none joins."""
    say("The app's author adds the plugin to the project's requirements, so that Poetry 2 makes sure "
        "every teammate has it:")
    (app / "pyproject.toml").write_text((app / "pyproject.toml").read_text() + REQUIRES_PLUGINS)
    show(REQUIRES_PLUGINS.strip())
    machine.poetry_run("install", expect=("All required plugins have already been installed",))
    count_calls("the author's Poetry already has the plugin", 0)

    assert machine.wheelhouse is not None
    serve_plugin_from_codeartifact(standin, machine.wheelhouse)
    teammate = Machine(machine.root / "teammate", machine.baseline, standin, machine.version)
    clone = teammate.root / "app"
    clone.mkdir(parents=True)
    for name in ("pyproject.toml", "poetry.lock"):
        shutil.copy2(app / name, clone / name)
    say("A teammate clones the project. Their Poetry has no plugin, and CodeArtifact (with PyPI as its "
        "upstream) is the project's only source. Poetry installs required plugins inside `poetry install`, "
        "resolving the plugin's dependencies from the project's sources, after it has loaded the plugins "
        "it had: so on this very first run nothing can fetch a token, and a bare `poetry install` would "
        "fail with 'Authorization error'. Poetry gives a plugin no way around that; one command does: "
        "give this one run a token from the AWS CLI. (The demo gets it with boto3, the same call the AWS CLI "
        "makes, and never prints it.)")
    token = cli_token(machine, teammate)
    count_calls("the teammate's one-off `aws codeartifact get-authorization-token`", 1)
    teammate.cd(clone)
    bootstrap = {f"POETRY_HTTP_BASIC_{SOURCE.upper()}_USERNAME": "aws",
                 f"POETRY_HTTP_BASIC_{SOURCE.upper()}_PASSWORD": token}
    shown = (f"POETRY_HTTP_BASIC_{SOURCE.upper()}_USERNAME=aws POETRY_HTTP_BASIC_{SOURCE.upper()}_PASSWORD="
             f'"$(aws codeartifact get-authorization-token --domain {DOMAIN} --domain-owner {OWNER} '
             '--query authorizationToken --output text)" \\\n  ')
    teammate.poetry_run("install", env=bootstrap, shown_env=shown,
                        expect=("Installing Poetry plugins only for the current project", f"Installing {PACKAGE}"))
    count_calls("the teammate's first install used the CLI's token", 0)
    say("Poetry installed the plugin into the project's .poetry/plugins and the project into its "
        "virtualenv. From the next command on, the plugin is loaded from there and takes care of tokens:")
    teammate.poetry_run("codeartifact", "status", expect=(f"{SOURCE} (source, primary)", "missing"))
    teammate.poetry_run("update", expect=("No dependencies to install or update",))
    count_calls("the plugin fetched the teammate's own token", 1)


def cli_token(machine: Machine, teammate: Machine) -> str:
    """What `aws codeartifact get-authorization-token ... --output text` prints, with boto3."""
    code = (f"import boto3; print(boto3.client('codeartifact', region_name='{REGION}').get_authorization_token("
            f"domain='{DOMAIN}', domainOwner='{OWNER}')['authorizationToken'])")
    process = subprocess.run([str(machine.test_python), "-c", code], env=teammate.env, capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
    if process.returncode != 0 or not process.stdout.strip():
        fail(f"could not get a token with boto3 (exit {process.returncode})")
    return process.stdout.strip()


def serve_plugin_from_codeartifact(standin: StandInProcess, wheelhouse: Path) -> None:
    """The repository serves this plugin and, like CodeArtifact with PyPI as its upstream, every
    public package Poetry's environment and boto3 are made of."""
    packages = standin.workdir / "packages" / REPOSITORY
    for wheel in [*wheelhouse.glob("*.whl"), *venvs.DIST.glob("poetry_codeartifact-*.whl")]:
        shutil.copy2(wheel, packages / wheel.name)


REQUIRES_PLUGINS = '\n[tool.poetry.requires-plugins]\npoetry-codeartifact = ">=0.1"\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poetry", default=venvs.POETRY_VERSIONS[-1], choices=venvs.POETRY_VERSIONS,
                        help=f"Poetry version to demo (default {venvs.POETRY_VERSIONS[-1]})")
    args = parser.parse_args()
    started = time.monotonic()

    def terminated(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)  # stop the stand-in on `kill` too, not just Ctrl-C

    say(f"poetry-codeartifact demo: AWS CodeArtifact from Poetry, against a local stand-in (Poetry {args.poetry}).")
    say("Preparing the virtualenvs under .venvs/ (a few minutes the first time, seconds afterwards)...")
    try:
        envs = venvs.prepare((args.poetry,), everything=True)[args.poetry]
        test_env, poetry_env, baseline_env, wheelhouse = envs.test, envs.poetry, envs.baseline, envs.wheelhouse
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"\nDEMO FAILED: could not prepare the virtualenvs ({error}). They need PyPI, once.", flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", flush=True)
        return 130
    prepared = time.monotonic()
    say(f"Ready in {prepared - started:.0f}s.")

    if DEMO.exists():
        shutil.rmtree(DEMO)
    DEMO.mkdir()
    standin = StandInProcess(venvs.bin_path(test_env, "python"), DEMO / "standin")
    try:
        standin.start()
        machine = Machine(DEMO, venvs.bin_path(poetry_env, "poetry"), standin, args.poetry)
        machine.baseline = venvs.bin_path(baseline_env, "poetry")
        machine.test_python = venvs.bin_path(test_env, "python")
        machine.wheelhouse = wheelhouse
        walk_through(machine, standin)
    except DemoFailure as failure:
        print(_styled(f"\nDEMO FAILED: {failure}", "1;31"), flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: stopping the stand-in.", flush=True)
        return 130
    finally:
        standin.stop()
    say(f"\nThe walk-through took {time.monotonic() - prepared:.0f}s. The stand-in is stopped; "
        "the projects are left in .demo/ to look at (the next run wipes them).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
