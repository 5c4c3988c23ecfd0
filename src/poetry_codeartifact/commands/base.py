"""What every ``poetry codeartifact`` command shares: the project (if any), Poetry's config,
and turning failures into messages (with the traceback at ``-vvv`` only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poetry.console.commands.command import Command

from poetry_codeartifact.errors import CodeArtifactError

if TYPE_CHECKING:
    from poetry.config.config import Config

    from poetry_codeartifact.refresh import Refresher


class CodeArtifactCommand(Command):
    def handle(self) -> int:
        from poetry_codeartifact.console import debug_traceback

        try:
            return self.run_command()
        except CodeArtifactError as error:
            debug_traceback(self.io, error)
            raise

    def run_command(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def project(self) -> Any:
        """The Poetry project of the current directory, or None outside one."""
        try:
            return self.poetry
        except RuntimeError:
            return None

    def config(self) -> Config:
        project = self.project()
        if project is not None:
            return project.config  # type: ignore[no-any-return]
        from poetry.config.config import Config

        return Config.create()

    def refresher(self, config: Config) -> Refresher:
        from poetry_codeartifact.console import make_refresher
        from poetry_codeartifact.plugin import CodeArtifactPlugin

        return make_refresher(config, self.io, CodeArtifactPlugin.client_factory)
