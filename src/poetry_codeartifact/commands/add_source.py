"""``poetry codeartifact add-source NAME``: source and login in one step.

Every input is validated, and the token (unless ``--no-login``) fetched, before anything is
written. Only pyproject.toml is written, and the token goes to the plugin's own store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cleo.helpers import argument, option

from poetry_codeartifact import endpoint as ep
from poetry_codeartifact.commands.base import CodeArtifactCommand
from poetry_codeartifact.console import describe_expiry, describe_location, escape, warn
from poetry_codeartifact.errors import CodeArtifactError, InvalidInput
from poetry_codeartifact.pyproject_edit import set_source
from poetry_codeartifact.settings import SourceOptions, resolve

if TYPE_CHECKING:
    from poetry_codeartifact.endpoint import Endpoint

PRIORITIES = ("primary", "supplemental", "explicit")


class AddSourceCommand(CodeArtifactCommand):
    name = "codeartifact add-source"
    description = "Add a CodeArtifact repository as a source of this project (and publish target), and log in."
    help = """\
Writes the <info>[[tool.poetry.source]]</info> entry to pyproject.toml (or updates it in place, in the
file's own layout), then fetches a token for the repository's domain unless a valid one is stored.

  <comment>poetry codeartifact add-source private \\
      --url https://my-domain-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/my-repo/simple/</comment>
  <comment>poetry codeartifact add-source private --domain my-domain --repository my-repo \\
      --domain-owner 111122223333 --region eu-west-1</comment>

Nothing is written to your global Poetry config: <comment>poetry publish -r NAME</comment> uploads to the
repository of the project's source NAME by itself. Teammates need no add-source of their own: their
first Poetry command that reads the index fetches their token.

For a URL that is not CodeArtifact's own (a proxy, a private DNS name), pass --domain,
--domain-owner and --region; such a host gets a token only if you trust it
(POETRY_CODEARTIFACT_TRUSTED_HOSTS or trusted-hosts in codeartifact.toml).

Invalid input is refused before anything is written or AWS is called: the message names the field,
the rule and the fix, and pyproject.toml stays byte-for-byte as it was."""
    arguments = [argument("name", "Name of the source (and of the publish repository).")]  # noqa: RUF012
    options = [  # noqa: RUF012
        option("url", None, "Repository URL (with or without simple/).", flag=False),
        option("domain", None, "CodeArtifact domain.", flag=False),
        option("domain-owner", None, "12-digit AWS account ID that owns the domain.", flag=False),
        option("region", None, "AWS region of the domain.", flag=False),
        option("repository", None, "CodeArtifact repository (with --domain: looks the URL up).", flag=False),
        option("priority", None, "primary, supplemental or explicit.", flag=False, default="primary"),
        option("profile", None, "AWS profile for this source (written to pyproject.toml).", flag=False),
        option("duration", None, "Token lifetime in seconds: 0 or 900-43200.", flag=False),
        option("no-login", None, "Do not fetch a token now."),
    ]

    def run_command(self) -> int:

        # 1. Every input, before any AWS call or write.
        name = ep.validate_name(self.argument("name"), "NAME")
        priority = self.option("priority")
        if priority not in PRIORITIES:
            raise InvalidInput("--priority", priority, f"it must be one of {', '.join(PRIORITIES)}")
        url = self.option("url")
        domain = self.option("domain")
        owner = self.option("domain-owner")
        region = self.option("region")
        repository = self.option("repository")
        profile = self.option("profile")
        if url is not None:
            ep.validate_url(url)
        if domain is not None:
            ep.validate_domain(domain, "--domain")
        if owner is not None:
            ep.validate_owner(owner, "--domain-owner")
        if region is not None:
            ep.validate_region(region, "--region")
        if repository is not None:
            ep.validate_repository(repository, "--repository")
        if profile is not None:
            ep.validate_profile(profile)
        duration_option = self.option("duration")
        duration = ep.validate_duration(duration_option, "--duration") if duration_option is not None else None
        if url is None and (domain is None or repository is None):
            raise CodeArtifactError(
                "Tell add-source where the repository is: either --url URL, or --domain DOMAIN "
                "--repository REPOSITORY (the URL is then looked up)."
            )
        project = self.project()
        if project is None:
            raise CodeArtifactError(
                "add-source needs a Poetry project: no pyproject.toml was found here. "
                "Run it in your project's directory (or pass --directory)."
            )
        config = project.config
        refresher = self.refresher(config)
        fetcher = refresher.fetcher

        # 2. Where the repository is and which domain issues its tokens.
        if url is None:
            url, used_region = fetcher.repository_url(domain, repository, owner, region, profile)
            region = region or used_region
            if owner is None and ep.parse_url(url) is None:
                raise InvalidInput(
                    "--domain-owner", None,
                    f"CodeArtifact answered with {url}, which does not show the domain owner",
                    "Pass --domain-owner with the 12-digit account ID that owns the domain.",
                )
        endpoint = self._endpoint(url, domain, owner, region, repository)
        mapped = ep.parse_url(url) is None
        upload = ep.upload_url(url)
        options: dict[str, Any] = {}
        if mapped:
            options.update({"domain": endpoint.domain, "domain-owner": endpoint.owner, "region": endpoint.region})
        if profile is not None:
            options["profile"] = profile
        if duration is not None:
            options["duration"] = duration
        source = resolve(
            name, ep.simple_url(url),
            SourceOptions(
                domain=endpoint.domain if mapped else None,
                owner=endpoint.owner if mapped else None,
                region=endpoint.region if mapped else None,
                profile=profile, duration=duration,
            ),
            "source", priority, self.user_settings(),
        )
        assert source is not None
        # 3. The edit of pyproject.toml, checked, before any AWS call: a layout that cannot be
        # edited safely is refused while nothing has happened yet.

        path = project.pyproject_path
        original = path.read_bytes()
        updated = set_source(original.decode("utf-8"), name, ep.simple_url(url), priority, options)

        login = not self.option("no-login")
        if login and not source.trusted:
            raise CodeArtifactError(
                f"Not logging in: {source.untrusted_message()} Trust the host first, or pass --no-login to "
                "only write the source."
            )

        # 4. The token, before any write, so that an AWS failure leaves the project as it was. A
        # valid token of the domain (another project's) serves, unless --profile or --duration ask
        # for a token of their own.
        outcome = None
        if login:
            explicit = profile is not None or duration is not None
            (outcome,) = refresher.ensure(
                [source], force=explicit, duration=duration, explicit_profile=profile is not None
            )

        # 5. pyproject.toml. Nothing goes to Poetry's global config: `publish -r NAME` finds the
        # upload URL through this project's source (see hook.py), and a global repositories.NAME
        # would be wrong in the next project that uses the name for another repository.
        if path.read_bytes() != original:
            raise CodeArtifactError(f"{path.name} changed while add-source ran; it was left as it is. Run it again.")
        try:
            path.write_bytes(updated.encode("utf-8"))
        except OSError as error:
            raise CodeArtifactError(
                f"Could not write {path} ({error.strerror}); it was left as it was. Check that it is writable."
            ) from error

        self.line(
            f"Added source <info>{escape(name)}</info> ({escape(endpoint.describe())}, priority "
            f"{priority}) to {path.name}: {escape(ep.simple_url(url))}"
        )
        self.line(f"Publish to it with `poetry publish -r {escape(name)}` (uploads to {escape(upload)})")
        if priority == "supplemental":
            warn(
                self.io,
                f"'{name}' is supplemental: when PyPI or another primary source has a package of "
                "the same name, that one wins (dependency confusion). Prefer primary, or explicit "
                "with `source = ...` on each private dependency.",
            )

        if outcome is not None:
            self.line(
                f"Logged in to {escape(endpoint.describe())} (token in {describe_location(outcome.where)}), "
                f"expires {describe_expiry(outcome.expires_at)}"
            )
        return 0

    def _endpoint(
        self, url: str, domain: str | None, owner: str | None, region: str | None, repository: str | None
    ) -> Endpoint:

        parsed = ep.parse_url(url)
        if parsed is not None:
            given = {"--domain": (domain, parsed.domain), "--domain-owner": (owner, parsed.owner),
                     "--region": (region, parsed.region)}
            for field, (value, from_url) in given.items():
                if value is not None and value != from_url:
                    raise InvalidInput(field, value, f"the URL says {from_url!r}", f"Drop {field} or fix the URL.")
            return parsed
        missing = [f for f, v in (("--domain", domain), ("--domain-owner", owner), ("--region", region)) if v is None]
        if missing:
            raise InvalidInput(
                "--url", url,
                "this is not a standard CodeArtifact URL (a proxy or a private DNS name?), so the "
                "plugin cannot tell which domain issues its tokens",
                f"Also pass {', '.join(missing)}.",
            )
        assert domain
        assert owner
        assert region
        return ep.Endpoint(domain, owner, region, repository or ep.repository_from_path(url))
