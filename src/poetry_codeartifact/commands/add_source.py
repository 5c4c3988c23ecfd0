"""``poetry codeartifact add-source NAME``: source and login in one step. The work, in the order
that keeps a failure harmless, is in source_setup.py; this is its command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from cleo.helpers import argument, option

from poetry_codeartifact.command_names import DESCRIPTIONS
from poetry_codeartifact.commands.base import CodeArtifactCommand
from poetry_codeartifact.errors import CodeArtifactError

if TYPE_CHECKING:
    from cleo.io.inputs.argument import Argument
    from cleo.io.inputs.option import Option


class AddSourceCommand(CodeArtifactCommand):
    name = "codeartifact add-source"
    description = DESCRIPTIONS[name]
    help = """\
Writes the <info>[[tool.poetry.source]]</info> entry to pyproject.toml (or updates it in
place, in the file's own layout), then fetches a token for the repository's
domain unless a valid one is stored.

  <comment>poetry codeartifact add-source private --url \\
      https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com\\
/pypi/my-repo/simple/</comment>
  <comment>poetry codeartifact add-source private --domain my-domain \\
      --repository my-repo --domain-owner 111122223333 --region eu-west-1</comment>

Nothing is written to your global Poetry config: <comment>poetry publish -r NAME</comment>
uploads to the repository of the project's source NAME by itself. Teammates
need no add-source of their own: their first Poetry command that reads the
index fetches their token.

For a URL that is not CodeArtifact's own (a proxy, a private DNS name), pass
--domain, --domain-owner and --region; such a host gets a token only if you
trust it (POETRY_CODEARTIFACT_TRUSTED_HOSTS or trusted-hosts in
codeartifact.toml).

Invalid input is refused before anything is written or AWS is called: the
message names the field, the rule and the fix, and pyproject.toml stays
byte-for-byte as it was."""
    arguments: ClassVar[list[Argument]] = [argument("name", "Name of the source (and of the publish repository).")]
    options: ClassVar[list[Option]] = [
        option("url", None, "Repository URL (with or without simple/).", flag=False),
        option("domain", None, "CodeArtifact domain.", flag=False),
        option("domain-owner", None, "12-digit AWS account ID that owns the domain.", flag=False),
        option("region", None, "AWS region of the domain.", flag=False),
        option("repository", None, "CodeArtifact repository (with --domain: looks the URL up).", flag=False),
        option("priority", None, "primary, supplemental or explicit (default: primary for a new source, the "
                                 "current one for a source that exists).", flag=False),
        option("profile", None, "AWS profile for this source (written to pyproject.toml).", flag=False),
        option("duration", None, "Token lifetime in seconds: 0 or 900-43200.", flag=False),
        option("no-login", None, "Do not fetch a token now."),
    ]

    def run_command(self) -> int:
        from poetry_codeartifact.console import describe_expiry, describe_location, escape, warn
        from poetry_codeartifact.endpoint import redact
        from poetry_codeartifact.source_setup import SourceRequest, SourceSetup

        request = SourceRequest.validated(
            self.argument("name"), self.option("priority"),
            url=self.option("url"), domain=self.option("domain"), owner=self.option("domain-owner"),
            region=self.option("region"), repository=self.option("repository"), profile=self.option("profile"),
            duration=self.option("duration"),
        )
        project = self.project()
        if project is None:
            raise CodeArtifactError(
                "add-source needs a Poetry project: no pyproject.toml was found here. "
                "Run it in your project's directory (or pass --directory)."
            )
        setup = SourceSetup(project.pyproject_path, self.refresher(project.config), self.user_settings())
        plan = setup.plan(request)
        outcome = setup.login(plan, request) if not self.option("no-login") else None
        setup.write(plan)

        described = escape(plan.source.endpoint.describe())
        name = escape(request.name)
        if plan.replaced is None:
            self.line(f"Added source <info>{name}</info> ({described}, priority {plan.priority}) to "
                      f"{plan.path.name}: {escape(plan.url)}")
        else:
            old_url, old_priority = plan.replaced
            kept = "kept" if old_priority == plan.priority else f"changed from {escape(old_priority)}"
            self.line(f"Source <info>{name}</info> already existed ({escape(redact(old_url))}); updated it in "
                      f"{plan.path.name} to {escape(plan.url)} ({described}, priority {plan.priority}, {kept})")
        self.line(f"Publish to it with `poetry publish -r {name}` (uploads to {escape(plan.upload_url)})")
        if plan.priority == "supplemental":
            warn(
                self.io,
                f"'{request.name}' is supplemental: when PyPI or another primary source has a package of "
                "the same name, that one wins (dependency confusion). Prefer primary, or explicit "
                "with `source = ...` on each private dependency.",
            )
        if outcome is not None:
            self.line(f"Logged in to {described} (token in {describe_location(outcome.where)}), "
                      f"expires {describe_expiry(outcome.expires_at)}")
        return 0
