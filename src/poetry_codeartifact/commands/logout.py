"""``poetry codeartifact logout [NAME ...]``: forget stored tokens and their expiry records."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from cleo.helpers import argument

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import CodeArtifactCommand
from poetry_codeartifact.errors import CodeArtifactError

if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument



class LogoutCommand(CodeArtifactCommand):
    name = "codeartifact logout"
    description = DESCRIPTIONS[name]
    help = """\
Removes the stored token of each named source's domain (or of all of them) and
the plugin's expiry records. A token belongs to a domain, so logging out of
one source logs out every source of that domain, in every project; the next
command that needs a token fetches a new one.

pyproject.toml and Poetry's config are left alone. If a token cannot be
removed (a read-only file, a keyring that refuses), logout says so and exits
1."""
    arguments: ClassVar[list[Argument]] = [
        argument(
            "names",
            "Sources or publish repositories to log out of. Default: every CodeArtifact source of the "
            "project and every CodeArtifact repository in Poetry's config.",
            optional=True,
            multiple=True,
        )
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.console import debug_traceback, describe_location, escape, warn
        from poetry_codeartifact.credentials import env_prefix, from_environment
        from poetry_codeartifact.settings import memory_store
        from poetry_codeartifact.state import StateFile
        from poetry_codeartifact.store import open_store

        config = self.config()
        sources = self.selected_sources(self.argument("names") or [])
        store = open_store(config, lambda message: warn(self.io, message), memory_only=memory_store())
        state = StateFile.beside(config)
        failed = []
        done: dict[str, str] = {}  # key id -> what happened, so that a shared domain is removed once
        for source in sources:
            key = source.key
            if key.id not in done:
                try:
                    found = store.delete(key.id)
                except Exception as error:  # a read-only file, a keyring that refuses or hangs
                    debug_traceback(self.io, error)
                    failed.append(source.name)
                    done[key.id] = f"<error>the token is still stored: {escape(_why(error))}</error>"
                else:
                    state.forget([key.id])
                    where = " and ".join(describe_location(w) for w in found)
                    done[key.id] = f"token removed from {where}" if found else "no token was stored"
            self.line(f"<info>{escape(source.name)}</info>: logged out of {escape(key.describe())} ({done[key.id]})")
            if from_environment(source.name):
                variable = env_prefix(source.name) + "_PASSWORD"
                warn(self.io, f"{variable} is still set in the environment and Poetry will use it.")
        if failed:
            raise CodeArtifactError(
                f"Could not remove the token of {', '.join(repr(n) for n in failed)}. Unlock the keyring (or check "
                "that Poetry's config directory is writable), or remove the entry of service 'poetry-codeartifact' "
                "from your keyring by hand, and run logout again."
            )
        return 0


def _why(error: BaseException) -> str:
    from poetry_codeartifact.store import KeyringTimeout, KeyringUnavailable

    if isinstance(error, (KeyringUnavailable, KeyringTimeout)):
        return str(error)  # the plugin's own words, never a backend's
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return type(error).__name__
