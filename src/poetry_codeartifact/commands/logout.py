"""``poetry codeartifact logout [NAME ...]``: forget stored tokens and their expiry records."""

from __future__ import annotations

from cleo.helpers import argument

from poetry_codeartifact.commands.base import CodeArtifactCommand


class LogoutCommand(CodeArtifactCommand):
    name = "codeartifact logout"
    description = "Remove stored CodeArtifact tokens (keyring and auth.toml) and the plugin's records of them."
    arguments = [  # noqa: RUF012
        argument(
            "names",
            "Sources or publish repositories to log out of. Default: every CodeArtifact source of the "
            "project and every CodeArtifact repository in Poetry's config.",
            optional=True,
            multiple=True,
        )
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.console import escape, warn
        from poetry_codeartifact.credentials import CredentialStore, env_prefix
        from poetry_codeartifact.state import StateFile

        config = self.config()
        sources = self.selected_sources(self.argument("names") or [])
        store = CredentialStore(config, lambda message: warn(self.io, message))
        names = [source.name for source in sources]
        for name in names:
            found = store.forget(name)
            where = " and ".join(found) if found else "nothing was stored"
            self.line(f"<info>{escape(name)}</info>: logged out ({where})")
            if store.from_environment(name):
                warn(self.io, f"{env_prefix(name)}_PASSWORD is still set in the environment and Poetry will use it.")
        StateFile.beside(config).forget(names)
        return 0
