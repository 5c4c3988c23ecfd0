"""The work behind ``poetry codeartifact add-source``: from validated options to a checked edit
of pyproject.toml, a token, and the write.

The order is the point: every input is validated (:meth:`SourceRequest.validated`), the
repository located and the edit of pyproject.toml prepared and checked (:meth:`SourceSetup.plan`)
before any token is fetched (:meth:`SourceSetup.login`), and the file is written last
(:meth:`SourceSetup.write`), so that a failure at any step leaves the project as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from poetry_codeartifact import endpoint as ep
from poetry_codeartifact.errors import CodeArtifactError, InvalidInput
from poetry_codeartifact.pyproject_edit import set_source
from poetry_codeartifact.settings import SourceOptions, resolve, source_entries, toml_loads

if TYPE_CHECKING:
    from pathlib import Path

    from poetry_codeartifact.endpoint import Endpoint
    from poetry_codeartifact.refresh import Outcome, Refresher
    from poetry_codeartifact.settings import Source, UserSettings

PRIORITIES = ("primary", "supplemental", "explicit")


class SourceRequest(NamedTuple):
    """What the user asked add-source for, validated."""

    name: str
    priority: str | None  # None: keep an existing source's priority; a new one is primary
    url: str | None = None
    domain: str | None = None
    owner: str | None = None
    region: str | None = None
    repository: str | None = None
    profile: str | None = None
    duration: int | None = None

    @classmethod
    def validated(
        cls,
        name: object,
        priority: object,
        *,
        url: str | None,
        domain: str | None,
        owner: str | None,
        region: str | None,
        repository: str | None,
        profile: str | None,
        duration: str | None,
    ) -> SourceRequest:
        """Every field checked before anything happens; an error names the option at fault."""
        valid_name = ep.validate_name(name, "NAME")
        if priority is not None and priority not in PRIORITIES:
            raise InvalidInput("--priority", priority, f"it must be one of {', '.join(PRIORITIES)}")
        request = cls(
            name=valid_name,
            priority=str(priority) if priority is not None else None,
            url=ep.validate_url(url) if url is not None else None,
            domain=ep.validate_domain(domain, "--domain") if domain is not None else None,
            owner=ep.validate_owner(owner, "--domain-owner") if owner is not None else None,
            region=ep.validate_region(region, "--region") if region is not None else None,
            repository=ep.validate_repository(repository, "--repository") if repository is not None else None,
            profile=ep.validate_profile(profile) if profile is not None else None,
            duration=ep.validate_duration(duration, "--duration") if duration is not None else None,
        )
        if url is None and (domain is None or repository is None):
            raise CodeArtifactError(
                "Tell add-source where the repository is: either --url URL, or --domain DOMAIN "
                "--repository REPOSITORY (the URL is then looked up)."
            )
        return request

    @property
    def wants_own_token(self) -> bool:
        """--profile or --duration ask for a token of their own, not a valid one of the domain."""
        return self.profile is not None or self.duration is not None


class Plan(NamedTuple):
    """The source as it will be, and the checked new text of pyproject.toml."""

    source: Source
    url: str  # the simple index URL written to pyproject.toml
    upload_url: str
    path: Path
    original: bytes
    updated: str
    replaced: tuple[str, str] | None = None  # (URL, priority) of the source of that name that was there

    @property
    def priority(self) -> str:
        return self.source.priority or "primary"


class SourceSetup:
    def __init__(self, pyproject_path: Path, refresher: Refresher, user: UserSettings) -> None:
        self._path = pyproject_path
        self._refresher = refresher
        self._user = user

    def plan(self, request: SourceRequest) -> Plan:
        """Locate the repository (one AWS call when only --domain/--repository were given) and
        prepare the edit; a layout that cannot be edited safely is refused here."""
        url, endpoint = self._locate(request)
        mapped = ep.parse_url(url) is None
        options: dict[str, Any] = {}
        if mapped:
            options.update({"domain": endpoint.domain, "domain-owner": endpoint.owner, "region": endpoint.region})
        if request.profile is not None:
            options["profile"] = request.profile
        if request.duration is not None:
            options["duration"] = request.duration
        simple = ep.simple_url(url)
        original = self._path.read_bytes()
        existing = _existing(original, request.name)
        priority = request.priority or (existing[1] if existing else "primary")
        source = resolve(
            request.name, simple,
            SourceOptions(
                domain=endpoint.domain if mapped else None,
                owner=endpoint.owner if mapped else None,
                region=endpoint.region if mapped else None,
                profile=request.profile, duration=request.duration,
            ),
            "source", priority, self._user,
        )
        if source is None:  # pragma: no cover - resolve() knows every endpoint built above
            raise CodeArtifactError(f"{simple} is not a CodeArtifact repository URL.")
        updated = set_source(original.decode("utf-8"), request.name, simple, priority, options)
        return Plan(source, simple, ep.upload_url(url), self._path, original, updated, existing)

    def login(self, plan: Plan, request: SourceRequest) -> Outcome:
        """The domain's token, before anything is written. A valid token of the domain (another
        project's) serves, unless --profile or --duration ask for one of their own."""
        if not plan.source.trusted:
            raise CodeArtifactError(
                f"Not logging in: {plan.source.untrusted_message()} Trust the host first, or pass --no-login to "
                "only write the source."
            )
        (outcome,) = self._refresher.ensure(
            [plan.source], force=request.wants_own_token, duration=request.duration,
            explicit_profile=request.profile is not None,
        )
        return outcome

    def write(self, plan: Plan) -> None:
        """pyproject.toml, and nothing else: `publish -r NAME` finds the upload URL through this
        project's source, and a global repositories.NAME would be wrong in the next project that
        uses the name for another repository."""
        if plan.path.read_bytes() != plan.original:
            raise CodeArtifactError(
                f"{plan.path.name} changed while add-source ran; it was left as it is. Run it again."
            )
        try:
            plan.path.write_bytes(plan.updated.encode("utf-8"))
        except OSError as error:
            raise CodeArtifactError(
                f"Could not write {plan.path} ({error.strerror}); it was left as it was. Check that it is writable."
            ) from error

    def _locate(self, request: SourceRequest) -> tuple[str, Endpoint]:
        url, region = request.url, request.region
        if url is None:
            assert request.domain is not None
            assert request.repository is not None
            url, used_region = self._refresher.fetcher.repository_url(
                request.domain, request.repository, request.owner, region, request.profile
            )
            region = region or used_region
            if request.owner is None and ep.parse_url(url) is None:
                raise InvalidInput(
                    "--domain-owner", None,
                    f"CodeArtifact answered with {url}, which does not show the domain owner",
                    "Pass --domain-owner with the 12-digit account ID that owns the domain.",
                )
        return url, _endpoint(url, request._replace(region=region))


def _endpoint(url: str, request: SourceRequest) -> Endpoint:
    """The domain behind ``url``: from the URL itself, which the options must not contradict, or
    from --domain, --domain-owner and --region for a URL that is not CodeArtifact's own."""
    parsed = ep.parse_url(url)
    given = {"--domain": request.domain, "--domain-owner": request.owner, "--region": request.region}
    if parsed is not None:
        from_url = {"--domain": parsed.domain, "--domain-owner": parsed.owner, "--region": parsed.region}
        for field, value in given.items():
            if value is not None and value != from_url[field]:
                raise InvalidInput(field, value, f"the URL says {from_url[field]!r}", f"Drop {field} or fix the URL.")
        return parsed
    missing = [field for field, value in given.items() if value is None]
    if missing:
        raise InvalidInput(
            "--url", url,
            "this is not a standard CodeArtifact URL (a proxy or a private DNS name?), so the "
            "plugin cannot tell which domain issues its tokens",
            f"Also pass {', '.join(missing)}.",
        )
    assert request.domain is not None
    assert request.owner is not None
    assert request.region is not None
    return ep.Endpoint(request.domain, request.owner, request.region,
                       request.repository or ep.repository_from_path(url))


_LEGACY_PRIORITY = {"default": "primary", "secondary": "supplemental"}


def _existing(original: bytes, name: str) -> tuple[str, str] | None:
    """(URL, priority) of the project's source ``name``, if there is one (legacy ``default`` and
    ``secondary`` read as the priority Poetry gives them today)."""
    try:
        data = toml_loads(original.decode("utf-8"))
    except ValueError:
        return None  # set_source explains an unreadable file
    for entry_name, url, priority in source_entries(data):
        if entry_name == name:
            return url, _LEGACY_PRIORITY.get(priority, priority)
    return None
