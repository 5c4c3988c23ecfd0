"""Issue 14, item 2: team onboarding through Poetry 2's ``[tool.poetry.requires-plugins]``, with
CodeArtifact as the project's only primary source.

Poetry installs a project's required plugins inside ``poetry install``, after it has loaded the
plugins it already had, and resolves their dependencies from the project's own sources. So on a
teammate's first run the plugin is not there to fetch a token: Poetry cannot read CodeArtifact,
and the run fails. The README's recipe gives that one run a token from the AWS CLI; from then on
the plugin, installed in the project's ``.poetry/plugins``, does the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_readme import block_after
from tests.support.user import IS_POETRY_1, README_TOOLS, WHEELHOUSE, User, fresh_poetry, readme_tools_bin
from tools.standin import StandIn
from tools.venvs import DIST

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [
    pytest.mark.skipif(not WHEELHOUSE or not README_TOOLS, reason="run through tools/test.py"),
    pytest.mark.skipif(IS_POETRY_1, reason="requires-plugins is new in Poetry 2.0"),
]

REQUIRES = '\n[tool.poetry.requires-plugins]\npoetry-codeartifact = ">=0.1"\n'


@pytest.fixture(scope="module")
def standin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """The README's domain (its recipe names ``--domain my-domain --domain-owner 111122223333``),
    with the project's source ``private`` on it."""
    with StandIn(tmp_path_factory.mktemp("standin"), repos=(("my-domain", "111122223333", "eu-west-1", "private"),)) \
            as server:
        yield server


@pytest.fixture
def upstream(standin: StandIn) -> Iterator[None]:
    """The 'private' repository serves this plugin and, as CodeArtifact does with PyPI as its
    upstream, every public package Poetry's environment and boto3 are made of."""
    private = standin.repos["private"].root
    (wheel,) = DIST.glob("poetry_codeartifact-*.whl")
    linked = [private / path.name for path in [*Path(WHEELHOUSE).glob("*.whl"), wheel]]
    for link in linked:
        link.symlink_to(wheel if link.name == wheel.name else Path(WHEELHOUSE) / link.name)
    yield
    for link in linked:
        link.unlink(missing_ok=True)


@pytest.fixture
def project(user: User, upstream: None) -> Path:  # noqa: ARG001 - upstream must serve the plugin first
    """The team's project, as its author (who has the plugin) committed it: CodeArtifact as the
    only primary source, the plugin required, a private dependency locked."""
    app = user.project("app")
    user.add_source(app, "private", "private")
    user.add_dependency(app, "acme-utils")
    (app / "pyproject.toml").write_text((app / "pyproject.toml").read_text() + REQUIRES)
    result = user.run("install", cwd=app)
    assert "All required plugins have already been installed in Poetry's environment" in result.out
    return app


def _teammate(user: User, standin: StandIn, project: Path) -> tuple[User, Path]:
    """A teammate's machine: a Poetry without the plugin, their own config, a clone of the project."""
    teammate = User(user.root / "teammate", standin, poetry=str(fresh_poetry(user.root / "teammate")))
    clone = teammate.root / "app"
    clone.mkdir(parents=True)
    for name in ("pyproject.toml", "poetry.lock"):
        (clone / name).write_bytes((project / name).read_bytes())
    return teammate, clone


def test_first_install_without_a_token_fails_as_documented(user: User, standin: StandIn, project: Path) -> None:
    teammate, clone = _teammate(user, standin, project)
    calls, seen = standin.token_calls(), len(standin.state.seen)
    result = teammate.run("install", cwd=clone, check=False)
    assert result.code != 0
    assert "Installing Poetry plugins only for the current project" in result.out
    # the documented cause: CodeArtifact refused Poetry's token-less requests for the plugin's
    # dependencies, and no AWS call could be made (the plugin is not there yet)
    assert ("private", "none") in standin.state.seen[seen:]
    assert standin.token_calls() == calls
    assert not list((clone / ".poetry" / "plugins").glob("poetry_codeartifact*"))


def test_one_run_with_a_cli_token_installs_the_plugin_then_it_takes_over(
    user: User, standin: StandIn, project: Path
) -> None:
    """The README's recipe, as written, with the real AWS CLI (pointed at the stand-in like boto3)."""
    teammate, clone = _teammate(user, standin, project)
    recipe = block_after("gives that first run a token from the AWS CLI:")
    calls = standin.token_calls()

    path = f"{Path(teammate.poetry).parent}:{readme_tools_bin(teammate.root, 'aws')}:{teammate.env['PATH']}"
    first = teammate.run("-c", recipe, program="bash", cwd=clone, env={"PATH": path, "AWS_DEFAULT_REGION": "eu-west-1"})
    assert "Installing Poetry plugins only for the current project" in first.out
    assert list((clone / ".poetry" / "plugins").glob("poetry_codeartifact-*.dist-info"))
    assert "acme-utils" in teammate.run("show", cwd=clone).out
    assert standin.token_calls() == calls + 1  # the AWS CLI's; the plugin was not active yet

    # From the second run on, the plugin (loaded from the project's plugin cache) fetches the token.
    status = teammate.run("codeartifact", "status", cwd=clone).out
    assert "private (source, primary)" in status
    teammate.run("update", cwd=clone)
    assert standin.token_calls() == calls + 2
    assert standin.state.unauthorized == 0
    assert teammate.files_with_tokens() == []
