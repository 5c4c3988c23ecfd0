"""``poetry codeartifact login [NAME ...]``: fetch and store tokens now."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from cleo.helpers import argument, option

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import CodeArtifactCommand
from poetry_codeartifact.errors import CodeArtifactError, InvalidInput

if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument
    from cleo.io.inputs.option import Option



class LoginCommand(CodeArtifactCommand):
    name = "codeartifact login"
    description = DESCRIPTIONS[name]
    help = """\
Fetches a token now for the named sources or publish repositories or, with no
name, for every CodeArtifact source of the project and repository of Poetry's
config: one AWS call per domain. It prints one line per name with the expiry
time, never the token.

You rarely need it: every Poetry command that reads a CodeArtifact index
fetches a token itself when it is due. Use it to check your credentials, or to
fetch with another identity:

  <comment>poetry codeartifact login --profile me</comment>
  <comment>poetry codeartifact login private \\
      --role-arn arn:aws:iam::111122223333:role/packages-read</comment>
  <comment>poetry codeartifact login --duration 3600</comment>

It exits 1 if a token could not be fetched or stored, or a source's host is
not trusted."""
    arguments: ClassVar[list[Argument]] = [
        argument(
            "names",
            "Sources or publish repositories to log in to. Default: every CodeArtifact source "
            "of the project and every CodeArtifact repository in Poetry's config.",
            optional=True,
            multiple=True,
        )
    ]
    options: ClassVar[list[Option]] = [
        option("profile", None, "AWS profile to use instead of the configured one.", flag=False),
        option("duration", None, "Token lifetime in seconds: 0 (the AWS session's) or 900-43200.", flag=False),
        option("role-arn", None, "IAM role to assume (with STS) before fetching the token.", flag=False),
        option("external-id", None, "External ID the role's trust policy requires (with --role-arn).", flag=False),
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.console import describe_expiry, describe_location, escape
        from poetry_codeartifact.endpoint import (
            validate_duration,
            validate_external_id,
            validate_profile,
            validate_role_arn,
        )
        from poetry_codeartifact.refresh import MANAGED, PROVIDED, UNTRUSTED
        from poetry_codeartifact.settings import Role, memory_store
        from poetry_codeartifact.store import MEMORY

        profile = self.option("profile")
        if profile is not None:
            validate_profile(profile)
        duration_option = self.option("duration")
        duration = validate_duration(duration_option, "--duration") if duration_option is not None else None
        role_arn, external_id = self.option("role-arn"), self.option("external-id")
        role = None
        if role_arn is not None:
            external_id = validate_external_id(external_id, "--external-id") if external_id is not None else None
            role = Role(validate_role_arn(role_arn, "--role-arn"), external_id=external_id)
        elif external_id is not None:
            raise InvalidInput("--external-id", external_id, "it only applies together with --role-arn")

        config = self.config()
        sources = self.selected_sources(self.argument("names") or [])
        if profile:
            sources = [source._replace(profile=profile) for source in sources]
        if role is not None:
            sources = [source._replace(role=role) for source in sources]

        outcomes = self.refresher(config).ensure(
            sources, force=True, duration=duration, explicit_profile=bool(profile)
        )
        refused = []
        for outcome in outcomes:
            source = outcome.source
            name = f"<info>{escape(source.name)}</info>"
            if outcome.status == MANAGED:
                self.line(f"{name}: skipped, POETRY_HTTP_BASIC_* environment variables supply its credentials")
            elif outcome.status == PROVIDED:
                self.line(f"{name}: using the pipeline's token from the {outcome.where} (no AWS call; nothing stored)")
            elif outcome.status == UNTRUSTED:
                refused.append(source.name)
            else:
                self.line(
                    f"{name}: logged in to {escape(source.endpoint.describe())} (token in "
                    f"{describe_location(outcome.where)}), expires {describe_expiry(outcome.expires_at)}"
                )
        if refused:
            raise CodeArtifactError(
                f"No token for {', '.join(repr(n) for n in refused)}: the plugin may not send one to its URL "
                "(the warning above says why, and the fix)."
            )
        unstored = [o.source.name for o in outcomes if o.where == MEMORY and not memory_store()]
        if unstored:
            raise CodeArtifactError(
                f"The token of {', '.join(repr(n) for n in unstored)} could not be stored (see the warning above), "
                "so the next command will fetch another."
            )
        return 0
