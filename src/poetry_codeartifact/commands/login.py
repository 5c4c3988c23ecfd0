"""``poetry codeartifact login [NAME ...]``: fetch and store tokens now."""

from __future__ import annotations

import dataclasses

from cleo.helpers import argument, option

from poetry_codeartifact.commands.base import CodeArtifactCommand
from poetry_codeartifact.errors import CodeArtifactError, InvalidInput


class LoginCommand(CodeArtifactCommand):
    name = "codeartifact login"
    description = "Fetch CodeArtifact tokens now and store them in Poetry's credential storage."
    arguments = [  # noqa: RUF012
        argument(
            "names",
            "Sources or publish repositories to log in to. Default: every CodeArtifact source "
            "of the project and every CodeArtifact repository in Poetry's config.",
            optional=True,
            multiple=True,
        )
    ]
    options = [  # noqa: RUF012
        option("profile", None, "AWS profile to use instead of the configured one.", flag=False),
        option("duration", None, "Token lifetime in seconds: 0 (the AWS session's) or 900-43200.", flag=False),
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.console import describe_expiry, escape, project_data
        from poetry_codeartifact.endpoint import validate_duration
        from poetry_codeartifact.settings import all_sources

        profile = self.option("profile")
        if profile is not None and not profile.strip():
            raise InvalidInput("--profile", profile, "a profile is a non-empty name from ~/.aws/config")
        duration_option = self.option("duration")
        duration = validate_duration(duration_option, "--duration") if duration_option is not None else None

        project = self.project()
        config = self.config()
        pyproject = project_data(project) if project is not None else None
        known = all_sources(pyproject, config.get("repositories"))
        names: list[str] = self.argument("names") or []
        if names:
            by_name = {source.name: source for source in known}
            for name in names:
                if name not in by_name:
                    listing = ", ".join(sorted(by_name)) or "none"
                    raise InvalidInput(
                        "name", name, "no CodeArtifact source or publish repository has this name",
                        f"Known CodeArtifact names: {listing}. Add one with `poetry codeartifact add-source`.",
                    )
            sources = [by_name[name] for name in dict.fromkeys(names)]
        else:
            sources = known
        if not sources:
            where = "this project or Poetry's config" if project is not None else "Poetry's config (no project here)"
            raise CodeArtifactError(
                f"No CodeArtifact source or repository was found in {where}. "
                "Add one with `poetry codeartifact add-source NAME --url URL`."
            )
        if profile:
            sources = [dataclasses.replace(source, profile=profile) for source in sources]

        outcomes = self.refresher(config).ensure(
            sources, force=True, duration=duration, explicit_profile=bool(profile)
        )
        for outcome in outcomes:
            source = outcome.source
            if outcome.status == "environment":
                self.line(
                    f"<info>{escape(source.name)}</info>: skipped, POETRY_HTTP_BASIC_* environment "
                    "variables supply its credentials"
                )
                continue
            self.line(
                f"<info>{escape(source.name)}</info>: logged in to {escape(source.endpoint.describe())} "
                f"(token in {outcome.where}), expires {describe_expiry(outcome.expires_at)}"
            )
        return 0
