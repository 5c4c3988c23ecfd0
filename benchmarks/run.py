"""The performance benchmark of poetry-codeartifact: ``python3 benchmarks/run.py`` (or ``python -m benchmarks.run``).

Not part of the tests. Needs only Python 3: it builds the virtualenvs (tools/venvs.py: per
Poetry version, Poetry with the plugin installed from the freshly built wheel, and plain Poetry
without it), re-runs itself under the test virtualenv's Python (which has pypiserver for the
local CodeArtifact stand-in, tools/standin.py), and then times real ``poetry`` processes.

Every scenario runs the plugin side and the plain-Poetry side in alternation, one of each per
round and the order swapped every round (plugin first, then baseline first), so that drifts of
the machine and any advantage of running first or second hit both alike. A target compares the
median wall times of the two sides (the ratio of the medians). Each ratio comes with a 95%
bootstrap confidence interval (rounds resampled as pairs), which shows what the machine can
resolve: on a shared 2-CPU VM a single run of Poetry varies by about 10%.

The rounds of a ratio target are adaptive: after ``--min-rounds`` the benchmark goes on, ten
rounds at a time, until the interval lies wholly below the target (met) or wholly above it (not
met), or ``--rounds`` / ``--lock-rounds`` is reached. The verdict is always the ratio of the
medians; the interval only decides when there are enough rounds to trust it.

* ``poetry --version`` and ``poetry list``: Poetry with the plugin vs without (target <= 1.03x).
* ``poetry install`` (nothing to do) and ``poetry lock`` (lock file fresh: ``--no-update`` on
  Poetry 1.8, plain ``lock`` on 2.x) in a project with three CodeArtifact sources in two domains
  and valid tokens, vs the same project with static http-basic credentials under plain Poetry
  (target <= 1.05x and no token call).
* ``poetry lock`` with every token expired: three sources in one domain plus a publish repository
  of that domain (target: one token call), and three sources in two domains (two calls, made at
  the same time: the two-domain run costs at most 1.10x the one-domain run). These rounds go on
  (``--expired-rounds`` to ``--expired-max-rounds``) until that target's interval decides it.
* The refresh itself: ``poetry lock`` with expired tokens vs with valid tokens (one domain), next
  to ``python -c "import boto3; boto3.client(...).get_authorization_token(...)"`` against the
  stand-in in the same Python (target: the refresh costs no more than that; no STS call).

With ``--instructions`` (needs valgrind) every ratio target also runs once per side under
callgrind with a fixed PYTHONHASHSEED: the ratio of executed instructions is repeatable to about
0.01% and independent of the machine's noise, so it shows the plugin's real cost. It adds about
four minutes per Poetry version.

Tokens expire for real before each expired run: the plugin side logs in with a 3-second token
lifetime and waits until it has passed (not timed).

    python3 benchmarks/run.py                        # Poetry 1.8.5 and 2.5.1 (the README table), about 25 minutes
    python3 benchmarks/run.py --instructions         # and instruction counts under callgrind
    python3 benchmarks/run.py --poetry 2.5.1 --min-rounds 5 --rounds 5 --lock-rounds 5 --expired-rounds 2
    python3 benchmarks/run.py --json results.json    # also save every raw timing

Everything runs under a temporary directory with throw-away HOMEs and Poetry configurations,
fake AWS keys and a proxy on a closed local port: only 127.0.0.1 is reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

if not __package__:  # run as `python3 benchmarks/run.py`: import from the repository root, not from benchmarks/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tools import importable, venvs
from tools.poetry_runner import PoetryFailed, PoetryRunner
from tools.sandbox import pyproject, user_env
from tools.standin import StandIn
from tools.wheels import make_wheel

PREPARED_ENV = "POETRY_CODEARTIFACT_BENCH_ENVS"  # set by the first stage for the re-executed one
STARTED_ENV = "POETRY_CODEARTIFACT_BENCH_STARTED"

NORMAL_LIFETIME = 12 * 3600
SHORT_LIFETIME = 3.0
# The stand-in's repositories: a third one in domain acme for "three sources in one domain".
REPOS = (
    ("acme", "111122223333", "eu-west-1", "private"),
    ("acme", "111122223333", "eu-west-1", "internal"),
    ("acme", "111122223333", "eu-west-1", "extra"),
    ("tools", "444455556666", "us-east-1", "shared"),
)
# A package per repository, so that resolving asks every source.
PACKAGES = {"private": "acme-utils", "internal": "acme-core", "extra": "acme-extra", "shared": "tools-cli"}
# A publish repository of domain acme in Poetry's config (a standard URL: the plugin maps it by
# itself; lock never contacts it).
RELEASES = "releases"
RELEASES_URL = "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/releases/"
CHECK_EVERY = 10  # rounds between two looks at the confidence intervals
SNIPPET = (
    "import boto3; boto3.client('codeartifact', region_name='eu-west-1')"
    ".get_authorization_token(domain='acme', domainOwner='111122223333')"
)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- results ---------------------------------------------------------------------------------


@dataclass
class Scenario:
    version: str
    key: str
    title: str
    target: str
    plugin_label: str = "Poetry + plugin"
    baseline_label: str = "plain Poetry"
    plugin: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    instructions: tuple[int, int] | None = None  # (plugin, baseline) under callgrind
    token_calls: list[int] = field(default_factory=list)  # per plugin run
    sts_calls: list[int] = field(default_factory=list)
    endpoint_calls: list[int] = field(default_factory=list)
    unauthorized: list[int] = field(default_factory=list)  # 401s answered during either side's runs
    max_ratio: float | None = None
    max_delta_of: str | None = None  # the plugin-baseline difference must stay below this scenario's median
    expected_calls: int | None = None
    no_sts: bool = False  # the plugin side must make no STS call
    reference: bool = False  # a measurement to compare with, not a target: no ratio, no verdict
    met: bool | None = None
    note: str = ""

    @property
    def plugin_median(self) -> float:
        return statistics.median(self.plugin)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)

    @property
    def ratio(self) -> float:
        return self.plugin_median / self.baseline_median

    @property
    def paired_ratio(self) -> float:
        """The median of each round's plugin/baseline ratio: less sensitive than the ratio of the
        medians to a machine whose speed drifts during the run (both runs of a round see the same)."""
        return statistics.median(p / b for p, b in zip(self.plugin, self.baseline, strict=True))

    def interval(self, resamples: int = 2000) -> tuple[float, float]:
        """The 95% bootstrap confidence interval of :attr:`ratio` (rounds resampled as pairs,
        with a fixed seed so that the same timings always give the same interval)."""
        rng = random.Random(0)
        n = len(self.plugin)
        ratios = []
        for _ in range(resamples):
            picks = [rng.randrange(n) for _ in range(n)]
            ratios.append(statistics.median(self.plugin[i] for i in picks)
                          / statistics.median(self.baseline[i] for i in picks))
        ratios.sort()
        return ratios[int(0.025 * resamples)], ratios[int(0.975 * resamples) - 1]

    def decided(self) -> bool:
        """True when the interval lies wholly on one side of the ratio target."""
        assert self.max_ratio is not None
        low, high = self.interval(1000)
        return high <= self.max_ratio or low > self.max_ratio

    @property
    def instruction_ratio(self) -> float | None:
        return None if self.instructions is None else self.instructions[0] / self.instructions[1]

    @property
    def delta(self) -> float:
        return self.plugin_median - self.baseline_median


def _calls(values: list[int]) -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def judge(scenarios: list[Scenario]) -> None:
    by_key = {(s.version, s.key): s for s in scenarios}
    for s in scenarios:
        checks: list[bool] = []
        if s.max_ratio is not None:
            checks.append(s.ratio <= s.max_ratio)
        if s.expected_calls is not None:
            checks.append(all(calls == s.expected_calls for calls in s.token_calls))
        if s.no_sts:
            checks.append(not any(s.sts_calls))
        if s.max_delta_of is not None:
            reference = by_key[(s.version, s.max_delta_of)]
            checks.append(s.delta <= reference.plugin_median)
            s.note = f"refresh costs {s.delta * 1000:.0f} ms; boto3 snippet {reference.plugin_median * 1000:.0f} ms"
        if any(s.unauthorized):
            checks.append(False)
            s.note = (s.note + "; " if s.note else "") + f"{sum(s.unauthorized)} requests got 401"
        s.met = all(checks) if checks and not s.reference else None


def markdown(scenarios: list[Scenario]) -> str:
    lines = [
        "| Poetry | Scenario | Rounds | Plugin median | Baseline median | Ratio | 95% CI | Instructions "
        "| Token calls | STS calls | Target | Met |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for s in scenarios:
        met = {True: "yes", False: "**no**", None: "-"}[s.met]
        ratio = "-" if s.reference else f"{s.ratio:.3f}x"
        low, high = s.interval()
        interval = "-" if s.reference else f"{low:.3f}-{high:.3f}"
        instructions = "-" if s.instruction_ratio is None else f"{s.instruction_ratio:.4f}x"
        lines.append(
            f"| {s.version} | {s.title} | {len(s.plugin)} | {s.plugin_median * 1000:.0f} ms "
            f"| {s.baseline_median * 1000:.0f} ms | {ratio} | {interval} | {instructions} | {_calls(s.token_calls)} "
            f"| {_calls(s.sts_calls)} | {s.target} | {met} |"
        )
    return "\n".join(lines)


# -- the machine -----------------------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": load_average(),
    }


# -- running Poetry --------------------------------------------------------------------------


class Failed(Exception):
    """A run under valgrind failed (a plain run raises tools.poetry_runner.PoetryFailed)."""


class Side(PoetryRunner):
    """One user's machine (HOME, Poetry config, a project) and the Poetry it runs: commands run in
    the project unless given a ``cwd``, and :meth:`run` fails on an error or a leaked token."""

    def __init__(self, poetry: str, standin: StandIn, root: Path, project: Path, version: str) -> None:
        env = user_env(root, standin.url, trusted=standin.hosts())
        super().__init__(poetry, env, version, cwd=project, timeout=600)
        self.root = root
        self.project = project
        self.config_dir = root / "poetry-config"

    def instructions(self, *args: str, cwd: Path | None = None) -> int:
        """The instructions ``poetry *args`` executes, counted by valgrind's callgrind (about
        40 times slower than a plain run). Hash randomisation is fixed so that two runs of the
        same command execute the same instructions."""
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", self.poetry, *args]
        process = subprocess.run(
            command, cwd=cwd or self.project, env={**self.env, "PYTHONHASHSEED": "0"},
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1800,
        )
        match = re.search(r"Collected : (\d+)", process.stderr)
        if process.returncode != 0 or match is None:
            raise Failed(f"{' '.join(command)} -> {process.returncode}\n{process.stdout}{process.stderr}")
        return int(match.group(1))


class Call(NamedTuple):
    """One command to time: ``poetry *args`` (or ``program *args``) on a side."""

    side: Side
    args: tuple[str, ...]
    cwd: Path | None = None
    program: str | None = None


class Counter:
    """What the stand-in saw during one run."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin
        self.before = self._now()

    def _now(self) -> tuple[int, int, int, int]:
        state = self.standin.state
        return self.standin.token_calls(), state.assume_role_calls, state.endpoint_calls, state.unauthorized

    def delta(self) -> tuple[int, int, int, int]:
        after = self._now()
        return (after[0] - self.before[0], after[1] - self.before[1], after[2] - self.before[2],
                after[3] - self.before[3])


def record(scenario: Scenario, standin: StandIn, side: Side, args: tuple[str, ...], plugin: bool,
           program: str | None = None, cwd: Path | None = None) -> None:
    counter = Counter(standin)
    elapsed = side.run(*args, program=program, cwd=cwd).seconds
    tokens, sts, endpoints, unauthorized = counter.delta()
    if plugin:
        scenario.plugin.append(elapsed)
        scenario.token_calls.append(tokens)
        scenario.sts_calls.append(sts)
        scenario.endpoint_calls.append(endpoints)
    else:
        scenario.baseline.append(elapsed)
    scenario.unauthorized.append(unauthorized)


# -- one Poetry version ----------------------------------------------------------------------


class VersionBench:
    # The four sides, made by setup(): plugin and plain Poetry, two domains and one domain.
    two: Side
    two_plain: Side
    one: Side
    one_plain: Side

    def __init__(self, version: str, poetry: Path, plain: Path, standin: StandIn, workdir: Path) -> None:
        self.version = version
        self.poetry = str(poetry)
        self.plain = str(plain)
        self.python = str(poetry.parent / "python")  # the Python of the user's Poetry (has boto3)
        self.standin = standin
        self.workdir = workdir

    # -- setup -----------------------------------------------------------------------------

    @property
    def lock_args(self) -> tuple[str, ...]:
        return self.two.lock_args

    def _side(self, name: str, poetry: str) -> Side:
        """A new user's machine under the work folder with an empty project folder, ``app``."""
        root = self.workdir / name
        project = root / "app"
        project.mkdir(parents=True)
        return Side(poetry, self.standin, root, project, self.version)

    def _plugin_project(self, name: str, repos: tuple[str, ...], publish: bool) -> Side:
        side = self._side(name, self.poetry)
        (side.project / "pyproject.toml").write_text(pyproject("app"))
        for index, repo in enumerate(repos):
            r = self.standin.repos[repo]
            extra = () if index == 0 else ("--priority", "supplemental")
            side.run("codeartifact", "add-source", repo, "--url", self.standin.repo_url(repo), "--domain", r.domain,
                     "--domain-owner", r.owner, "--region", r.region, *extra)
        if publish:
            side.run("config", f"repositories.{RELEASES}", RELEASES_URL)
            side.run("codeartifact", "login")  # every name, the publish repository included
        side.run("add", *(PACKAGES[repo] for repo in repos))
        return side

    def _baseline_project(self, name: str, plugin: Side, names: tuple[str, ...]) -> Side:
        """The same project under plain Poetry, set up as by hand without the plugin: the plugin
        side's tokens as static ``http-basic`` credentials of every source and publish repository
        name, and the same publish repositories in Poetry's config."""
        # The second stage's virtualenv has tomlkit; the first stage runs on a bare python3.
        import tomlkit  # noqa: PLC0415 - see above

        side = self._side(name, self.plain)
        for file in ("pyproject.toml", "poetry.lock"):
            shutil.copyfile(plugin.project / file, side.project / file)
        tokens = json.loads((plugin.config_dir / "codeartifact-tokens.json").read_text())["tokens"]
        for source in names:
            r = self.standin.repos.get(source) or self.standin.repos["private"]  # `releases`: domain acme
            side.run("config", f"http-basic.{source}", "aws", tokens[f"{r.domain}-{r.owner}@{r.region}"])
        config_file = plugin.config_dir / "config.toml"
        config = tomlkit.parse(config_file.read_text()).unwrap() if config_file.exists() else {}
        for repository, entry in config.get("repositories", {}).items():
            side.run("config", f"repositories.{repository}", entry["url"])
        side.run("install")
        return side

    def setup(self) -> None:
        started = time.monotonic()
        two, one = ("private", "internal", "shared"), ("private", "internal", "extra")
        self.two = self._plugin_project("plugin-two-domains", two, publish=False)
        self.two_plain = self._baseline_project("plain-two-domains", self.two, two)
        self.one = self._plugin_project("plugin-one-domain", one, publish=True)
        self.one_plain = self._baseline_project("plain-one-domain", self.one, (*one, RELEASES))
        # Warm-up (untimed): every command once on every side, so that caches are as in daily use.
        for side in (self.two, self.two_plain, self.one, self.one_plain):
            side.run("--version", cwd=side.root)
            side.run("list", cwd=side.root)
            side.run("install")
            side.run(*self.lock_args)
        log(f"Poetry {self.version}: projects ready in {time.monotonic() - started:.0f}s")

    def expire_all(self) -> None:
        """Log both plugin users in with short-lived tokens and wait until every one has expired."""
        self.standin.set_lifetime(SHORT_LIFETIME)
        try:
            for side in (self.two, self.one):
                side.run("codeartifact", "login")
        finally:
            self.standin.set_lifetime(NORMAL_LIFETIME)
        time.sleep(SHORT_LIFETIME + 0.5)

    # -- scenarios -------------------------------------------------------------------------

    def scenario(self, key: str, title: str, target: str, **extra: Any) -> Scenario:
        return Scenario(self.version, key, title, target, **extra)

    def measure(self, scenario: Scenario, round_: int, plugin: Call, baseline: Call) -> None:
        """One plugin-side run and one baseline run; the baseline goes first in odd rounds."""
        runs = [(plugin, True), (baseline, False)]
        if round_ % 2:
            runs.reverse()
        for call, is_plugin in runs:
            record(scenario, self.standin, call.side, call.args, is_plugin, program=call.program, cwd=call.cwd)

    def until_decided(self, pairs: list[tuple[Scenario, Call, Call]], min_rounds: int, max_rounds: int) -> None:
        """Rounds of every pair until each one's interval is decided (see the module docstring)."""
        active = list(pairs)
        round_ = 0
        while active and round_ < max_rounds:
            for scenario, plugin, baseline in active:
                self.measure(scenario, round_, plugin, baseline)
            round_ += 1
            if round_ >= min_rounds and round_ % CHECK_EVERY == 0:
                active = [pair for pair in active if not pair[0].decided()]

    def count_instructions(self, pairs: list[tuple[Scenario, Call, Call]]) -> None:
        for scenario, plugin, baseline in pairs:
            scenario.instructions = (plugin.side.instructions(*plugin.args, cwd=plugin.cwd),
                                     baseline.side.instructions(*baseline.args, cwd=baseline.cwd))

    def run(self, args: argparse.Namespace) -> list[Scenario]:
        v = self.version
        lock = " ".join(self.lock_args)
        two, plain = self.two, self.two_plain
        startup = [
            (self.scenario("version", "`poetry --version`", "<= 1.03x", max_ratio=1.03),
             Call(two, ("--version",), two.root), Call(plain, ("--version",), plain.root)),
            (self.scenario("list", "`poetry list`", "<= 1.03x", max_ratio=1.03),
             Call(two, ("list",), two.root), Call(plain, ("list",), plain.root)),
        ]
        self.until_decided(startup, args.min_rounds, args.rounds)
        log(f"Poetry {v}: start-up done ({', '.join(f'{s.key} {len(s.plugin)} rounds' for s, _, _ in startup)})")

        valid = [
            (self.scenario("install", "`poetry install` (nothing to do), 3 sources in 2 domains, valid tokens",
                           "<= 1.05x, 0 calls", max_ratio=1.05, expected_calls=0),
             Call(two, ("install",)), Call(plain, ("install",))),
            (self.scenario("lock", f"`poetry {lock}` (fresh lock), 3 sources in 2 domains, valid tokens",
                           "<= 1.05x, 0 calls", max_ratio=1.05, expected_calls=0),
             Call(two, self.lock_args), Call(plain, self.lock_args)),
        ]
        self.until_decided(valid, args.min_rounds, args.lock_rounds)
        log(f"Poetry {v}: install and lock with valid tokens done "
            f"({', '.join(f'{s.key} {len(s.plugin)} rounds' for s, _, _ in valid)})")
        if args.instructions:
            self.count_instructions([*startup, *valid])
            log(f"Poetry {v}: instructions counted")

        one_domain = self.scenario(
            "expired-one-domain",
            f"`poetry {lock}`, every token expired, 3 sources + a publish repository in 1 domain",
            "1 call", expected_calls=1, no_sts=True)
        two_domains = self.scenario(
            "expired-two-domains", f"`poetry {lock}`, every token expired, 3 sources in 2 domains",
            "2 calls", expected_calls=2, no_sts=True)
        refresh = self.scenario(
            "refresh", f"refresh cost: `poetry {lock}`, 1 domain, expired tokens (baseline: valid tokens)",
            "difference <= boto3 snippet, 0 STS", plugin_label="expired", baseline_label="valid",
            max_delta_of="boto3", no_sts=True)
        snippet = self.scenario(
            "boto3", "`python -c \"import boto3; boto3.client(...).get_authorization_token(...)\"` "
            "(baseline: `python -c pass`)", "reference for the refresh", reference=True,
            plugin_label="boto3 snippet", baseline_label="python -c pass")
        # Due domains are fetched at the same time: a second domain costs little more than one.
        domains = self.scenario(
            "two-vs-one-domain", f"`poetry {lock}`, every token expired: 3 sources in 2 domains "
            "(baseline: 3 sources in 1 domain)", "<= 1.10x", plugin_label="2 domains", baseline_label="1 domain",
            max_ratio=1.10)
        round_ = 0
        while round_ < args.expired_rounds or (round_ < args.expired_max_rounds and not domains.decided()):
            self.expire_all()
            self.measure(two_domains, round_, Call(two, self.lock_args), Call(plain, self.lock_args))
            self.measure(one_domain, round_, Call(self.one, self.lock_args), Call(self.one_plain, self.lock_args))
            # The refresh: the expired run above, against a valid-token run of the same project
            # (necessarily after it: that run refreshed the tokens).
            refresh.plugin.append(one_domain.plugin[-1])
            refresh.token_calls.append(one_domain.token_calls[-1])
            refresh.sts_calls.append(one_domain.sts_calls[-1])
            record(refresh, self.standin, self.one, self.lock_args, False)
            self.measure(snippet, round_, Call(self.one, ("-c", SNIPPET), program=self.python),
                         Call(self.one, ("-c", "pass"), program=self.python))
            domains.plugin.append(two_domains.plugin[-1])  # the same runs, compared with each other
            domains.baseline.append(one_domain.plugin[-1])
            domains.token_calls.append(two_domains.token_calls[-1])
            domains.sts_calls.append(two_domains.sts_calls[-1])
            round_ += 1
        log(f"Poetry {v}: expired tokens done ({round_} rounds)")
        return [*(s for s, _, _ in startup), *(s for s, _, _ in valid), one_domain, two_domains, domains, refresh,
                snippet]


# -- the two stages --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The performance benchmark of poetry-codeartifact against plain Poetry (see the module docstring)."
    )
    parser.add_argument("--poetry", default=",".join(venvs.BENCHMARKED_VERSIONS),
                        help="comma-separated Poetry versions (default: %(default)s)")
    parser.add_argument("--min-rounds", type=int, default=30,
                        help="rounds of every ratio target before its interval may end it (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=300,
                        help="at most this many rounds of `--version` and `list` (default: %(default)s)")
    parser.add_argument("--lock-rounds", type=int, default=150,
                        help="at most this many rounds of `install` and `lock` with valid tokens "
                             "(default: %(default)s)")
    parser.add_argument("--expired-rounds", type=int, default=15,
                        help="rounds with every token expired; each waits for the tokens to expire "
                             "(default: %(default)s)")
    parser.add_argument("--expired-max-rounds", type=int, default=45,
                        help="at most this many expired rounds, until the two-domain target is decided "
                             "(default: %(default)s)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions of each ratio target once per side under valgrind")
    parser.add_argument("--json", type=Path, help="also save the raw results to this file")
    args = parser.parse_args(argv)
    args.versions = tuple(v for v in args.poetry.split(",") if v)
    if not args.versions or min(args.min_rounds, args.rounds, args.lock_rounds, args.expired_rounds) < 1:
        parser.error("give at least one Poetry version and at least one round of each kind")
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (Debian: apt-get install valgrind)")
    return args


def prepare_and_reexec(args: argparse.Namespace) -> int:
    """First stage (any Python 3): build the virtualenvs, then run the benchmark under the test
    virtualenv's Python, which can run the stand-in (pypiserver)."""
    started = time.time()
    envs = venvs.prepare(args.versions)
    paths = {
        version: {
            "test": str(each.test),
            "poetry": str(venvs.bin_path(each.poetry, "poetry")),
            "plain": str(venvs.bin_path(each.baseline, "poetry")),
        }
        for version, each in envs.items()
    }
    python = venvs.bin_path(envs[args.versions[0]].test, "python")
    env = {**os.environ, PREPARED_ENV: json.dumps(paths), STARTED_ENV: str(started)}
    command = [str(python), "-m", "benchmarks.run", *sys.argv[1:]]
    return subprocess.run(command, env=importable(env)).returncode


def benchmark(args: argparse.Namespace) -> int:
    """Second stage: the stand-in in this process, real Poetry processes against it."""
    paths: dict[str, dict[str, str]] = json.loads(os.environ[PREPARED_ENV])
    started = float(os.environ.get(STARTED_ENV) or time.time())
    info = machine()
    log(f"machine: {info['cpus']} CPUs, {info['cpu_model']}, Python {info['python']}, "
        f"load average {info['load_average_at_start']}")
    scenarios: list[Scenario] = []
    with tempfile.TemporaryDirectory(prefix="poetry-codeartifact-bench-") as tmp:
        workdir = Path(tmp)
        standin = StandIn(workdir / "standin", repos=REPOS).start()
        try:
            for repo, package in PACKAGES.items():
                make_wheel(standin.repos[repo].root, package, "0.1.0")
            for version in args.versions:
                bench = VersionBench(version, Path(paths[version]["poetry"]), Path(paths[version]["plain"]),
                                     standin, workdir / version)
                bench.setup()
                scenarios += bench.run(args)
        except (Failed, PoetryFailed) as error:
            log(f"FAILED: {error}")
            return 1
        finally:
            standin.stop()
    judge(scenarios)
    info["load_average_at_end"] = load_average()
    runtime = time.time() - started
    table = markdown(scenarios)
    print()
    print(f"Machine: {info['cpus']} CPUs ({info['cpu_model']}), Python {info['python']}, {info['platform']}; "
          f"load average {info['load_average_at_start']} at start, {info['load_average_at_end']} at end. "
          f"Rounds: {args.min_rounds} to {args.rounds} (start-up), {args.min_rounds} to {args.lock_rounds} "
          f"(install/lock), {args.expired_rounds} to {args.expired_max_rounds} (expired tokens). "
          f"Runtime {runtime:.0f}s.")
    print()
    print(table)
    missed = [s for s in scenarios if s.met is False]
    notes = [s for s in scenarios if s.note]
    if notes:
        print()
        for s in notes:
            print(f"- Poetry {s.version}, {s.key}: {s.note}")
    if missed:
        print()
        print("Targets not met: " + ", ".join(f"{s.version} {s.key}" for s in missed))
    if args.json is not None:
        data = {
            "machine": info,
            "runtime_seconds": runtime,
            "rounds": {"min": args.min_rounds, "startup_max": args.rounds, "lock_max": args.lock_rounds,
                       "expired": args.expired_rounds, "expired_max": args.expired_max_rounds},
            "scenarios": [
                {**asdict(s), "plugin_median": s.plugin_median, "baseline_median": s.baseline_median,
                 "ratio": s.ratio, "paired_ratio": s.paired_ratio, "delta": s.delta}
                for s in scenarios
            ],
            "table": table,
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n")
        log(f"raw results in {args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get(PREPARED_ENV):
        return benchmark(args)
    return prepare_and_reexec(args)


if __name__ == "__main__":
    sys.exit(main())
