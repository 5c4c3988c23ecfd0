from __future__ import annotations

import logging
import time
from email.utils import formatdate

import boto3
import pytest
from botocore import exceptions as bx

from poetry_codeartifact.errors import InvalidInput, TokenError
from poetry_codeartifact.settings import TokenKey
from poetry_codeartifact.tokens import BotoClientFactory, TokenFetcher, client_timeouts, explain, refresh_timeout
from tests.support.aws import Factory, token_response
from tools.standin import TOKEN_PREFIX

LATER = time.time() + 12 * 3600  # an expiry in the future, for tests that do not look at it

KEY = TokenKey("acme", "111122223333", "eu-west-1")


def test_fetch_passes_owner_region_and_zero_duration() -> None:
    factory = Factory()
    factory.stub().add_response(
        "get_authorization_token", token_response("T1", 5000.0),
        {"domain": "acme", "domainOwner": "111122223333", "durationSeconds": 0},
    )
    fetcher = TokenFetcher(factory, clock=lambda: 1000.0)
    token = fetcher.fetch(KEY, 0)
    assert (token.value, token.expires_at, token.issued_at, token.lifetime) == ("T1", 5000.0, 1000.0, 4000.0)
    assert factory.calls == [("eu-west-1", None)]
    assert "T1" not in repr(token)
    factory.assert_done()


def test_no_duration_leaves_the_default() -> None:
    factory = Factory()
    factory.stub().add_response(
        "get_authorization_token", token_response("T", LATER), {"domain": "acme", "domainOwner": "111122223333"}
    )
    TokenFetcher(factory).fetch(KEY)
    factory.assert_done()


def test_one_call_per_key_and_one_client_per_region_profile() -> None:
    factory = Factory()
    factory.stub().add_response("get_authorization_token", token_response("A", LATER))
    factory.stub().add_response("get_authorization_token", token_response("B", LATER))
    factory.stub("us-east-1").add_response("get_authorization_token", token_response("C", LATER))
    fetcher = TokenFetcher(factory)
    assert fetcher.fetch(KEY).value == "A"
    assert fetcher.fetch(KEY).value == "A"  # memoised: no second call
    other_domain = TokenKey("tools", "444455556666", "eu-west-1")
    assert fetcher.fetch(other_domain).value == "B"
    assert fetcher.fetch(TokenKey("acme", "111122223333", "us-east-1")).value == "C"
    assert fetcher.calls == 3
    assert factory.calls == [("eu-west-1", None), ("us-east-1", None)]
    factory.assert_done()


def test_missing_configured_profile_falls_back_with_warning() -> None:
    factory = Factory()
    factory.missing_profiles.add("dev")
    factory.stub().add_response("get_authorization_token", token_response("T", LATER))
    warnings: list[str] = []
    fetcher = TokenFetcher(factory, warn=warnings.append)
    fetcher.fetch(TokenKey("acme", "111122223333", "eu-west-1", "dev"))
    assert warnings == [
        "AWS profile 'dev' does not exist on this machine; using the default AWS credential chain instead."
    ]
    assert factory.calls == [("eu-west-1", "dev"), ("eu-west-1", None)]


def test_missing_explicit_profile_is_an_error() -> None:
    factory = Factory()
    factory.missing_profiles.add("dev")
    with pytest.raises(TokenError, match=r"profile 'dev' does not exist.*aws configure --profile dev"):
        TokenFetcher(factory).fetch(TokenKey("acme", "111122223333", "eu-west-1", "dev"), explicit_profile=True)


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("AccessDeniedException", 403, r"codeartifact:GetAuthorizationToken.*sts:GetServiceBearerToken"),
        ("ResourceNotFoundException", 404, r"domain 'acme', domain-owner '111122223333', region 'eu-west-1'"),
        ("ThrottlingException", 429, r"throttled"),
        ("InternalServerException", 500, r"server error"),
        ("ExpiredTokenException", 403, r"session credentials .* have expired"),
        ("UnrecognizedClientException", 403, r"rejected the credentials"),
        ("ValidationException", 400, r"refused the request \(ValidationException\): bad"),
    ],
)
def test_client_errors_are_explained(code: str, status: int, expected: str) -> None:
    factory = Factory()
    factory.stub().add_client_error("get_authorization_token", code, "bad", status)
    with pytest.raises(TokenError, match=expected) as info:
        TokenFetcher(factory).fetch(KEY)
    assert isinstance(info.value.__cause__, bx.ClientError)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (bx.NoCredentialsError(), r"no AWS credentials were found.*aws configure"),
        (bx.NoRegionError(), r"no AWS region"),
        (bx.SSOTokenLoadError(error_msg="x"), r"SSO session of profile 'sso' .*`aws sso login --profile sso`"),
        (bx.UnauthorizedSSOTokenError(), r"aws sso login --profile sso"),
        (bx.TokenRetrievalError(provider="sso", error_msg="x"), r"aws sso login --profile sso"),
        (bx.CredentialRetrievalError(provider="custom-process", error_msg="exit 1"), r"credential_process .* failed"),
        (
            bx.PartialCredentialsError(provider="env", cred_var="aws_secret_access_key"),
            r"incomplete.*AWS_SECRET_ACCESS_KEY",
        ),
        (
            bx.EndpointConnectionError(endpoint_url="https://x.example"),
            r"could not reach CodeArtifact at https://x.example: the connection was refused",
        ),
        (bx.ConnectTimeoutError(endpoint_url="https://x.example"), r"timed out"),
        (bx.ReadTimeoutError(endpoint_url="https://x.example"), r"response timed out"),
        (bx.SSLError(endpoint_url="https://x.example", error=Exception("bad cert")), r"TLS"),
        (bx.ProxyConnectionError(proxy_url="http://p:1", error="refused"), r"proxy"),
    ],
)
def test_credential_chain_and_network_errors_are_explained(error: Exception, expected: str) -> None:
    assert explain(error, key=KEY, profile="sso").args[0]
    assert __import__("re").search(expected, str(explain(error, key=KEY, profile="sso")))


def test_repository_url_lookup() -> None:
    factory = Factory()
    factory.stub().add_response(
        "get_repository_endpoint", {"repositoryEndpoint": "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/rr/"},
        {"domain": "acme", "repository": "rr", "format": "pypi", "domainOwner": "111122223333"},
    )
    url, region = TokenFetcher(factory).repository_url("acme", "rr", "111122223333", "eu-west-1", None)
    assert url.endswith("/pypi/rr/")
    assert region == "eu-west-1"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.usefixtures("standin")
def test_botocore_debug_logging_never_sees_the_token() -> None:
    """``poetry -vvv`` turns every logger to DEBUG; botocore then logs response bodies."""
    handler = _Records()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        raw = boto3.session.Session(region_name="eu-west-1").client("codeartifact")
        raw.get_authorization_token(domain="acme", domainOwner="111122223333")
        assert any(TOKEN_PREFIX in line for line in handler.lines)  # the danger is real
        handler.lines.clear()
        token = TokenFetcher().fetch(KEY)
        assert token.value.startswith(TOKEN_PREFIX)
        assert not any(TOKEN_PREFIX in line for line in handler.lines)
        assert logging.getLogger("botocore").level == logging.NOTSET  # restored afterwards
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


class _Answering:
    """A client whose token call answers ``answer`` as it is, after ``seconds``."""

    class meta:
        endpoint_url = "http://127.0.0.1:1"
        region_name = "eu-west-1"

    def __init__(self, answer: object, seconds: float = 0.0) -> None:
        self.answer = answer
        self.seconds = seconds

    def get_authorization_token(self, **_request: object) -> object:
        time.sleep(self.seconds)
        return self.answer


def _slow_client(seconds: float) -> _Answering:
    """A client whose token call takes longer than the refresh may."""
    return _Answering({"authorizationToken": "late", "expiration": 9e9}, seconds)


def test_a_refresh_has_one_deadline_and_says_what_it_waits_for(monkeypatch: pytest.MonkeyPatch) -> None:
    deadline = 2
    monkeypatch.setenv("POETRY_CODEARTIFACT_TIMEOUT", str(deadline))
    warnings: list[str] = []
    fetcher = TokenFetcher(lambda *_args, **_kwargs: _slow_client(deadline * 5), warnings.append)
    keys: dict[TokenKey, int | None] = {
        TokenKey("acme", "111122223333", "eu-west-1"): None, TokenKey("tools", "444455556666", "us-east-1"): None
    }
    started = time.monotonic()
    results = fetcher.fetch_many(keys)
    elapsed = time.monotonic() - started
    assert deadline <= elapsed < deadline * 1.75  # one deadline for both domains; two in a row would be 2x
    assert len(results) == 2
    assert all(f"did not answer within {deadline} seconds" in str(result) for result in results.values())
    (warning,) = warnings
    assert "still waiting for CodeArtifact" in warning
    assert "acme (eu-west-1), tools (us-east-1)" in warning


@pytest.mark.parametrize("value", ["0", "-3", "soon", "99999"])
def test_a_bad_timeout_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TIMEOUT", value)
    with pytest.raises(InvalidInput, match="POETRY_CODEARTIFACT_TIMEOUT"):
        refresh_timeout()


@pytest.mark.parametrize(("offset", "words"), [(13 * 3600, "13h 00m behind"), (-3600 * 2.5, "2h 30m ahead of")])
def test_expiry_is_moved_to_this_machines_clock(offset: float, words: str) -> None:
    now = 1_000_000.0
    factory = Factory()
    response = token_response("TOKEN", now + offset + 43200)
    response["ResponseMetadata"] = {"HTTPHeaders": {"date": formatdate(now + offset, usegmt=True)}}
    factory.stub().add_response("get_authorization_token", response)
    warnings: list[str] = []
    token = TokenFetcher(factory, warnings.append, clock=lambda: now).fetch(KEY)
    assert token.expires_at == pytest.approx(now + 43200, abs=1)  # 12 hours on this machine's clock
    (warning,) = warnings
    assert words in warning


def test_a_small_skew_is_left_alone() -> None:
    now = 1_000_000.0
    factory = Factory()
    response = token_response("TOKEN", now + 43200)
    response["ResponseMetadata"] = {"HTTPHeaders": {"date": formatdate(now + 20, usegmt=True)}}
    factory.stub().add_response("get_authorization_token", response)
    warnings: list[str] = []
    assert TokenFetcher(factory, warnings.append, clock=lambda: now).fetch(KEY).expires_at == now + 43200
    assert warnings == []


def test_the_profile_in_messages_is_the_one_boto3_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    message = str(explain(bx.SSOTokenLoadError(error_msg="expired")))
    assert "profile 'dev'" in message
    assert "aws sso login --profile dev" in message
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    assert "'ghost' does not exist" in str(explain(bx.ProfileNotFound(profile="ghost")))


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({}, "no token"),
        ({"authorizationToken": "", "expiration": LATER}, "an empty token"),
        ({"authorizationToken": "   ", "expiration": LATER}, "an empty token"),
        ({"authorizationToken": "T"}, "a token without a valid expiration"),
        ({"authorizationToken": "T", "expiration": "soon"}, "a token without a valid expiration"),
        ({"authorizationToken": "T", "expiration": True}, "a token without a valid expiration"),
        ([], "no token"),
    ],
)
def test_a_malformed_answer_is_no_login_and_says_so(answer: object, what: str) -> None:
    """Issue 19 M3/M4: an answer without a usable token or expiry is an explained failure, never a
    traceback in the worker thread or a false "did not answer"."""
    fetcher = TokenFetcher(lambda *_args, **_kwargs: _Answering(answer), None)
    result = fetcher.fetch_many({TokenKey("acme", "111122223333", "eu-west-1"): None})
    (error,) = result.values()
    assert isinstance(error, TokenError)
    assert f"CodeArtifact answered GetAuthorizationToken with {what}, which is not a login" in str(error)
    assert "did not answer" not in str(error)


def test_a_token_already_expired_by_codeartifacts_clock_is_no_login() -> None:
    """Issue 19 M5: an expiration in the past (CodeArtifact's own clock, from its Date header)."""
    now = time.time()
    answer = {"authorizationToken": "T", "expiration": now + 3600,
              "ResponseMetadata": {"HTTPHeaders": {"date": formatdate(now + 7200, usegmt=True)}}}
    fetcher = TokenFetcher(lambda *_args, **_kwargs: _Answering(answer), None)
    (error,) = fetcher.fetch_many({TokenKey("acme", "111122223333", "eu-west-1"): None}).values()
    assert isinstance(error, TokenError)
    assert "already expired by its own clock" in str(error)
    (late,) = TokenFetcher(lambda *_a, **_k: _Answering({"authorizationToken": "T", "expiration": now - 1}),
                           None).fetch_many({TokenKey("acme", "111122223333", "eu-west-1"): None}).values()
    assert isinstance(late, TokenError)


def test_an_unreadable_answer_is_explained_with_its_cause() -> None:
    class Odd:
        def get(self, key: str) -> object:
            raise RuntimeError(key)

    fetcher = TokenFetcher(lambda *_args, **_kwargs: _Answering(Odd()), None)
    fetcher._token_of = lambda *_args: (_ for _ in ()).throw(RuntimeError("odd"))  # type: ignore[method-assign]
    (error,) = fetcher.fetch_many({TokenKey("acme", "111122223333", "eu-west-1"): None}).values()
    assert isinstance(error, TokenError)
    assert "an answer the plugin cannot read (RuntimeError)" in str(error)
    assert isinstance(error.__cause__, RuntimeError)


@pytest.mark.parametrize("deadline", [30.0, 8.0, 3.0, 120.0])
def test_botocores_timeouts_leave_room_for_a_retry_within_the_deadline(deadline: float) -> None:
    """Issue 19 M8: one stalled answer, then botocore's retry, both inside the refresh deadline."""
    connect, read = client_timeouts(deadline)
    assert connect + read + connect + read <= deadline or deadline < 4  # a stall and one full retry fit
    assert read < deadline
    assert 1.0 <= connect <= 10.0


def test_the_client_factory_uses_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CODEARTIFACT_TIMEOUT", "12")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSTUB")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stub")
    client = BotoClientFactory()("eu-west-1", None)
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (2.0, 4.0)
