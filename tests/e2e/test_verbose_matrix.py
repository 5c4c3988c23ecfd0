"""Every command family once at ``-vvv``, through a real Poetry: the harness's leak detector
(tools/leaks.py: the token whole, any 24-character slice, base64 of ``aws:<token>`` at any
alignment, URL-encoded, split across lines) searches stdout, stderr and every file the run left
in the sandbox (pyproject.toml, poetry.lock, requirements.txt, auth.toml, the state file),
with every token the stand-in ever issued in the test, revoked ones included."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.wheels import make_wheel

if TYPE_CHECKING:
    from tests.support.user import User
    from tools.standin import StandIn

V = "-vvv"


def test_every_command_family_at_debug_verbosity_leaks_nothing(user: User, standin: StandIn) -> None:
    app = user.project("app")
    user.run("codeartifact", "add-source", "private", "--url", standin.repo_url("private"), "--domain", "acme",
             "--domain-owner", "111122223333", "--region", "eu-west-1", V, cwd=app)
    user.run("codeartifact", "login", V, cwd=app)
    user.run("codeartifact", "status", V, cwd=app)
    user.run("codeartifact", "status", "--format", "json", V, cwd=app)
    user.run("add", "acme-utils@^0.1.0", V, cwd=app)
    user.run(*user.lock_args, V, cwd=app)
    user.run("install", V, cwd=app)
    make_wheel(standin.repos["private"].root, "acme-utils", "0.1.1")
    assert "0.1.1" in user.run("show", "--outdated", V, cwd=app).out
    user.run("debug", "resolve", "acme-utils", V, cwd=app)
    if not user.is_poetry_1:
        user.run("search", "acme-utils", V, cwd=app)
    else:  # export is bundled with Poetry 1.8 only; test_other_plugins.py runs it on 2.x
        user.run("export", "--with-credentials", "-f", "requirements.txt", "-o", "requirements.txt", V, cwd=app,
                 writes_credentials_to=(app / "requirements.txt",))  # where it was asked to write one
        assert "aws:" in (app / "requirements.txt").read_text()
        (app / "requirements.txt").unlink()  # the next runs check every file again
    standin.revoke_all()  # the retry path: a rejected token, a new one fetched, the request sent again
    updated = user.run("update", V, cwd=app)
    assert "rejected the stored token" in updated.err
    standin.reject_with(404)
    standin.revoke_all()  # the 404 path: a probe of the index root, then a new token
    user.run("remove", "acme-utils", V, cwd=app)
    user.run("add", "acme-utils", V, cwd=app)
    lib = user.project("acme-lib", package=True)
    user.add_source(lib, "private", "private")
    user.run("publish", "--build", "-r", "private", V, cwd=lib)
    user.run("codeartifact", "doctor", V, cwd=app, check=False)
    user.run("codeartifact", "logout", V, cwd=app)
    assert len(standin.all_issued()) >= 4  # the detector had several tokens to look for
    assert standin.state.uploads == ["private", "private"]
