"""Fetching CodeArtifact authorization tokens with boto3, and explaining AWS failures.

boto3 is imported here and only when a token or an endpoint is actually requested: the plugin
is loaded on every Poetry call and must not pay for it otherwise. The AWS client comes from an
injectable factory so that tests can hand in a client wrapped in botocore's ``Stubber``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from poetry_codeartifact.errors import InvalidInput, TokenError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from poetry_codeartifact.settings import Role, TokenKey

class ClientFactory(Protocol):
    """Makes the AWS clients: boto3's by default (:class:`BotoClientFactory`), a Stubber's in tests."""

    def __call__(self, region: str | None, profile: str | None, service: str = "codeartifact",
                 credentials: dict[str, str] | None = None) -> Any:
        """A botocore client of ``service`` (codeartifact or sts) for ``region``, with the
        credentials of ``profile`` (None: the default chain) or, given ``credentials``
        (AccessKeyId, SecretAccessKey, SessionToken), an assumed role's."""


TIMEOUT_ENV = "POETRY_CODEARTIFACT_TIMEOUT"
_MALFORMED = (
    "CodeArtifact answered GetAuthorizationToken with {what}, which is not a login. Try again; if it "
    "persists, check that AWS_ENDPOINT_URL_CODEARTIFACT (or a proxy) leads to CodeArtifact."
)
DEFAULT_TIMEOUT = 30.0
PROGRESS_AFTER = 5.0
CLOCK_TOLERANCE = 60.0


def client_timeouts(deadline: float) -> tuple[float, float]:
    """botocore's (connect, read) timeouts for a refresh that may take ``deadline`` seconds: a
    third of it per read, so that one stalled answer leaves time for botocore's own retry
    (with both at 30 seconds, as before, no retry could ever happen in time)."""
    read = max(deadline / 3, 1.0)
    return min(max(deadline / 6, 1.0), 10.0), read


def refresh_timeout() -> float:
    """How long the token calls of one refresh may take together (``POETRY_CODEARTIFACT_TIMEOUT``)."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise InvalidInput(TIMEOUT_ENV, value, "it is a number of seconds between 0 and 3600",
                           f"Unset {TIMEOUT_ENV} for the default of {DEFAULT_TIMEOUT:.0f} seconds.")
    return seconds


class Token(NamedTuple):
    value: str
    expires_at: float
    issued_at: float

    def __repr__(self) -> str:  # never the token itself
        return f"Token(expires_at={self.expires_at!r}, issued_at={self.issued_at!r})"

    @property
    def lifetime(self) -> float:
        return max(0.0, self.expires_at - self.issued_at)


_AWS_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


@contextlib.contextmanager
def aws_logging_muted() -> Iterator[None]:
    """Keep botocore's and urllib3's DEBUG records (request and response bodies: the token)
    out of every log while we talk to AWS. ``poetry -vvv`` sends all loggers to the console."""
    manager = logging.Logger.manager
    names = [
        name for name in list(manager.loggerDict)
        if any(name == root or name.startswith(root + ".") for root in _AWS_LOGGERS)
    ]
    loggers = [logging.getLogger(name) for name in {*_AWS_LOGGERS, *names}]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


class BotoClientFactory:
    """Makes botocore clients. One botocore session per identity serves every region, so that
    a second region costs a client, not a second load of botocore's service models. One
    factory lives as long as one :class:`TokenFetcher` (one Poetry command)."""

    def __init__(self) -> None:
        self._sessions: dict[tuple[str | None, tuple[str, ...] | None], Any] = {}

    def __call__(
        self,
        region: str | None,
        profile: str | None,
        service: str = "codeartifact",
        credentials: dict[str, str] | None = None,
    ) -> Any:
        import botocore.session  # noqa: PLC0415 - botocore only when asked
        from botocore.config import Config  # noqa: PLC0415 - botocore only when asked

        fields = ("AccessKeyId", "SecretAccessKey", "SessionToken")
        frozen = tuple(credentials[k] for k in fields) if credentials else None
        session = self._sessions.get((profile, frozen))
        if session is None:
            session = botocore.session.Session(profile=None if credentials is not None else profile)
            if frozen is not None:
                session.set_credentials(*frozen)
            session.get_credentials()  # resolve the chain here (a missing profile fails now), once
            self._sessions[(profile, frozen)] = session
        connect, read = client_timeouts(refresh_timeout())
        config = Config(
            retries={"mode": "standard"},
            connect_timeout=connect,
            read_timeout=read,
            user_agent_extra="poetry-codeartifact",
        )
        return session.create_client(service, region_name=region, config=config)


class TokenFetcher:
    """Fetches each token once per run: one client per (region, profile, role), one STS call
    per role, one token call per key."""

    def __init__(
        self,
        client_factory: ClientFactory | None = None,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client_factory = client_factory or BotoClientFactory()
        self._timeout = refresh_timeout()
        self._clock_told = False
        self._warn = warn or (lambda _message: None)
        self._clock = clock
        self._clients: dict[tuple[str, str | None, str | None, Role | None], Any] = {}
        self._roles: dict[tuple[Role, str | None], dict[str, str]] = {}
        self._tokens: dict[TokenKey, Token] = {}
        self.calls = 0

    def client(
        self,
        region: str | None,
        profile: str | None,
        *,
        explicit_profile: bool = False,
        role: Role | None = None,
        service: str = "codeartifact",
    ) -> Any:
        """A client for ``region``; a configured profile missing on this machine falls back to
        the default credential chain (CI has environment credentials), an explicit one fails.
        With ``role``, the client uses the role's credentials, assumed once per run."""
        cache_key = (service, region, profile, role)
        if cache_key in self._clients:
            return self._clients[cache_key]
        if role is not None:
            credentials = self._assume(role, region, profile, explicit_profile)
            with aws_logging_muted():
                client = self._client_factory(region, None, service=service, credentials=credentials)
            self._clients[cache_key] = client
            return client
        try:
            with aws_logging_muted():
                client = self._client_factory(region, profile, service=service)
        except Exception as error:
            if profile is None or explicit_profile or type(error).__name__ != "ProfileNotFound":
                raise explain(error, region=region, profile=profile) from error
            self._warn(
                f"AWS profile '{profile}' does not exist on this machine; "
                "using the default AWS credential chain instead."
            )
            client = self.client(region, None, service=service)
        self._clients[cache_key] = client
        return client

    def _assume(self, role: Role, region: str | None, profile: str | None, explicit_profile: bool) -> dict[str, str]:
        if (role, profile) in self._roles:
            return self._roles[(role, profile)]
        sts = self.client(region, profile, explicit_profile=explicit_profile, service="sts")
        request = {"RoleArn": role.arn, "RoleSessionName": role.session_name}
        if role.external_id is not None:
            request["ExternalId"] = role.external_id
        try:
            with aws_logging_muted():
                response = sts.assume_role(**request)
        except Exception as error:
            code = str((getattr(error, "response", None) or {}).get("Error", {}).get("Code", ""))
            who = f"profile '{profile}'" if profile else "the default AWS credential chain"
            if code == "AccessDenied":
                raise TokenError(
                    f"AWS denied sts:AssumeRole on {role.arn} to {who}. The role's trust policy must "
                    "allow these credentials (and match external-id if the role requires one)."
                ) from error
            explained = explain(error, profile=profile, client=sts)
            raise TokenError(f"could not assume {role.describe()}: {explained}", retryable=explained.retryable) from (
                error
            )
        credentials = {k: str(response["Credentials"][k]) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
        self._roles[(role, profile)] = credentials
        return credentials

    def forget(self, key: TokenKey) -> None:
        """Drop this run's token of ``key``, so that the next fetch asks AWS again."""
        self._tokens.pop(key, None)

    def fetch(self, key: TokenKey, duration: int | None = None, *, explicit_profile: bool = False) -> Token:
        result = self.fetch_many({key: duration}, explicit_profile=explicit_profile)[key]
        if isinstance(result, TokenError):
            raise result
        return result

    def fetch_many(
        self, wanted: dict[TokenKey, int | None], *, explicit_profile: bool = False
    ) -> dict[TokenKey, Token | TokenError]:
        """Each key's token, or the explained error of that key alone.

        Clients are made first, in this thread (botocore sessions are not thread-safe), one per
        region and identity; then the token calls of different keys run at the same time, so
        that several due domains cost about one round trip."""
        results: dict[TokenKey, Token | TokenError] = {}
        calls: list[tuple[TokenKey, int | None, Any]] = []
        for key, duration in wanted.items():
            if key in self._tokens:
                results[key] = self._tokens[key]
                continue
            try:
                client = self.client(key.region, key.profile, explicit_profile=explicit_profile, role=key.role)
            except TokenError as error:
                results[key] = error
                continue
            calls.append((key, duration, client))
        if not calls:
            return results
        self.calls += len(calls)
        answers: dict[TokenKey, Token | TokenError] = {}
        threads = [
            threading.Thread(target=lambda call=call: answers.__setitem__(call[0], self._call(*call)),
                             name=f"codeartifact-{call[0].domain}", daemon=True)
            for call in calls
        ]
        with aws_logging_muted():
            for thread in threads:
                thread.start()
            self._wait(threads, [key for key, _, _ in calls])
        abandoned = [key for key, _, _ in calls if key not in answers]
        if abandoned:  # still talking to AWS: botocore must never log its answer (the token)
            for name in ("botocore", "boto3"):
                logging.getLogger(name).setLevel(logging.WARNING)
        for key, _, client in calls:
            outcome = answers.get(key) or TokenError(
                f"CodeArtifact did not answer within {self._timeout:.0f} seconds "
                f"({getattr(client.meta, 'endpoint_url', 'the CodeArtifact endpoint')}). Check the network and the "
                f"proxy settings, or allow a slow link more time with {TIMEOUT_ENV}=<seconds>.",
                retryable=True,
            )
            results[key] = outcome
            if isinstance(outcome, Token):
                self._tokens[key] = outcome
        return results

    def _wait(self, threads: list[threading.Thread], keys: list[TokenKey]) -> None:
        """Wait for the calls until the deadline; say what we wait for once it takes a while."""
        started = time.monotonic()
        deadline = started + self._timeout
        progress_at = started + min(PROGRESS_AFTER, self._timeout / 2)
        told = False
        for thread in threads:
            while thread.is_alive():
                now = time.monotonic()
                if now >= deadline:
                    return
                if not told and now >= progress_at:
                    told = True
                    domains = ", ".join(sorted({f"{k.domain} ({k.region})" for k in keys}))
                    self._warn(f"still waiting for CodeArtifact to issue a token for {domains}; giving up "
                               f"after {self._timeout:.0f} seconds.")
                thread.join(min(deadline, progress_at if not told else deadline) - now)

    def _call(self, key: TokenKey, duration: int | None, client: Any) -> Token | TokenError:
        request: dict[str, Any] = {"domain": key.domain, "domainOwner": key.owner}
        if duration is not None:
            request["durationSeconds"] = duration  # 0 is meaningful: do not test truthiness
        issued_at = self._clock()
        try:
            response = client.get_authorization_token(**request)
        except Exception as error:
            explained = explain(error, key=key, profile=key.profile, client=client)
            if explained.__cause__ is None:
                explained.__cause__ = error
            return explained
        try:
            return self._token_of(response, issued_at)
        except TokenError as error:
            return error
        except Exception as error:  # never a traceback from the worker thread, nor a false "no answer"
            failure = TokenError(_MALFORMED.format(what=f"an answer the plugin cannot read ({type(error).__name__})"),
                                 retryable=True)
            failure.__cause__ = error
            return failure

    def _token_of(self, response: Any, issued_at: float) -> Token:
        """The token of a GetAuthorizationToken answer, checked: a token that is empty, has no
        expiry or has already expired by CodeArtifact's own clock is no login."""
        answer = response if isinstance(response, dict) else {}
        value = answer.get("authorizationToken")
        expiration: Any = answer.get("expiration")
        if not isinstance(value, str) or not value.strip():
            what = "an empty token" if isinstance(value, str) else "no token"
            raise TokenError(_MALFORMED.format(what=what), retryable=True)
        try:
            if hasattr(expiration, "timestamp"):
                expires_at = float(expiration.timestamp())
            elif isinstance(expiration, (int, float, str)) and not isinstance(expiration, bool):
                expires_at = float(expiration)
            else:
                raise TypeError(type(expiration).__name__)
        except (TypeError, ValueError, OverflowError):
            raise TokenError(_MALFORMED.format(what="a token without a valid expiration"), retryable=True) from None
        skew = self._skew(answer)
        if skew:
            expires_at -= skew  # the same moment, on this machine's clock
            self._warn_once_about_clock(skew)
        if expires_at <= self._clock():
            raise TokenError(
                "CodeArtifact issued a token that had already expired by its own clock, so it cannot be used. "
                "Try again; if it persists, the duration requested is shorter than the time the answer took "
                "(POETRY_CODEARTIFACT_TIMEOUT), or the endpoint is not CodeArtifact.",
                retryable=True,
            )
        return Token(value, expires_at, issued_at)

    def _skew(self, response: dict[str, Any]) -> float:
        """How far CodeArtifact's clock (its ``Date`` header) is ahead of this machine's, when
        that is more than a minute: a token's expiry is the service's, judged by its clock."""
        date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        if not date:
            return 0.0

        try:
            skew = parsedate_to_datetime(date).timestamp() - self._clock()
        except (TypeError, ValueError, IndexError):
            return 0.0
        return skew if abs(skew) > CLOCK_TOLERANCE else 0.0

    def _warn_once_about_clock(self, skew: float) -> None:
        if self._clock_told:
            return
        self._clock_told = True
        hours, minutes = divmod(round(abs(skew) / 60), 60)
        self._warn(
            f"this machine's clock is {hours}h {minutes:02d}m {'behind' if skew > 0 else 'ahead of'} CodeArtifact's; "
            "token expiry is judged by CodeArtifact's clock. Set the clock right (NTP) to be sure of it."
        )

    def repository_url(
        self, domain: str, repository: str, owner: str | None, region: str | None, profile: str | None
    ) -> tuple[str, str]:
        """The upload URL of a repository (GetRepositoryEndpoint, format pypi) and the region used."""
        client = self.client(region, profile, explicit_profile=True)
        request = {"domain": domain, "repository": repository, "format": "pypi"}
        if owner:
            request["domainOwner"] = owner
        try:
            with aws_logging_muted():
                response = client.get_repository_endpoint(**request)
        except Exception as error:
            raise explain(
                error, domain=domain, owner=owner, region=client.meta.region_name,
                profile=profile, client=client, repository=repository,
            ) from error
        return str(response["repositoryEndpoint"]), str(client.meta.region_name)


TOKEN_PERMISSIONS = "codeartifact:GetAuthorizationToken on the domain and sts:GetServiceBearerToken"
_SSO_ERRORS = {"SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError", "SSOError"}
_CONNECTION_ERRORS = {  # most specific first: botocore's classes inherit from each other
    "ProxyConnectionError": "the proxy could not be reached (check HTTPS_PROXY / NO_PROXY)",
    "SSLError": "the TLS handshake failed (check the certificate bundle, AWS_CA_BUNDLE)",
    "ConnectTimeoutError": "the connection timed out",
    "ReadTimeoutError": "the response timed out",
    "ConnectionClosedError": "the connection was closed",
    "EndpointConnectionError": "the connection was refused or the host was not found",
    "HTTPClientError": "the HTTP request failed",
}


def explain(
    error: BaseException,
    *,
    key: TokenKey | None = None,
    domain: str | None = None,
    owner: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    client: Any = None,
    repository: str | None = None,
    service: str = "CodeArtifact",
    permissions: str = TOKEN_PERMISSIONS,
) -> TokenError:
    """Turn a boto3/botocore failure into a message naming the cause and the fix.

    ``service`` names the AWS service in connection and server-error messages (``STS`` for
    identity checks); ``permissions`` is what an access denial says the credentials need."""
    if isinstance(error, TokenError):
        return error
    if key is not None:
        domain, owner, region = key.domain, key.owner, key.region
    profile = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or None
    kinds = {cls.__name__ for cls in type(error).__mro__}
    profile_hint = f" --profile {profile}" if profile else ""
    who = f"profile '{profile}'" if profile else "the default AWS credential chain"
    endpoint_url = getattr(getattr(client, "meta", None), "endpoint_url", None)

    if "NoCredentialsError" in kinds:
        return TokenError(
            f"no AWS credentials were found ({who}). Configure them with `aws configure{profile_hint}` "
            "or `aws sso login`, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set `profile` "
            "in [tool.poetry-codeartifact.sources.<name>]."
        )
    if "ProfileNotFound" in kinds:
        return TokenError(
            f"the AWS profile '{profile}' does not exist in ~/.aws/config or ~/.aws/credentials. "
            f"Create it with `aws configure --profile {profile}` (or `aws configure sso`), or fix the name."
        )
    if "NoRegionError" in kinds:
        return TokenError(
            "no AWS region is configured. Pass --region, set AWS_REGION, or set `region` in the profile."
        )
    if kinds & _SSO_ERRORS:
        return TokenError(
            f"the AWS SSO session of {who} is missing or has expired. "
            f"Run `aws sso login{profile_hint}` and try again."
        )
    if "CredentialRetrievalError" in kinds:
        return TokenError(
            f"the credential_process of {who} failed: {error}. Run it by hand to see why, then try again."
        )
    if "PartialCredentialsError" in kinds:
        return TokenError(
            f"the AWS credentials are incomplete: {error}. Set both AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)."
        )
    connection = next((k for k in _CONNECTION_ERRORS if k in kinds), None)
    if connection is not None:
        where = getattr(error, "kwargs", {}).get("endpoint_url") or endpoint_url or f"the {service} endpoint"
        return TokenError(
            f"could not reach {service} at {where}: {_CONNECTION_ERRORS[connection]}. Check the network, "
            f"the proxy settings and AWS_ENDPOINT_URL_{service.upper()}.",
            retryable=True,
        )
    if "ClientError" in kinds:
        response: dict[str, Any] = getattr(error, "response", {}) or {}
        code = str(response.get("Error", {}).get("Code", ""))
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        aws_message = str(response.get("Error", {}).get("Message", "")).strip()
        scope = f"domain '{domain}', domain-owner '{owner}', region '{region}'"
        if code in ("AccessDeniedException", "AccessDenied"):
            return TokenError(
                f"AWS denied access ({who}) to {scope}. The credentials need {permissions}; "
                "ask your AWS administrator or use a profile that has them."
            )
        if code == "ResourceNotFoundException":
            what = f"repository '{repository}' in " if repository else ""
            return TokenError(
                f"CodeArtifact found no {what}{scope}. Check the three values (and the repository "
                "name): one of them is wrong."
            )
        if code in ("ExpiredTokenException", "ExpiredToken", "RequestExpired"):
            return TokenError(
                f"the AWS session credentials of {who} have expired. Refresh them "
                f"(`aws sso login{profile_hint}`, assume the role again, or renew the CI credentials)."
            )
        if code in ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException"):
            return TokenError(
                f"AWS rejected the credentials of {who} ({code}). Check AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or the profile's keys."
            )
        if code in ("ThrottlingException", "Throttling", "TooManyRequestsException"):
            return TokenError(
                "CodeArtifact throttled the request and retries did not help. Wait a minute and try "
                "again; if it persists, fewer parallel jobs should share one account.",
                retryable=True,
            )
        if code == "InternalServerException" or status >= 500:
            return TokenError(
                f"{service} answered with a server error ({code or status}) after retries. "
                "Try again later; see https://health.aws.amazon.com for outages.",
                retryable=True,
            )
        return TokenError(f"{service} refused the request ({code or status}): {aws_message}")
    if "ParamValidationError" in kinds:
        return TokenError(f"the request was invalid: {error}")
    return TokenError(f"the AWS call failed: {type(error).__name__}: {error}", retryable=True)
