"""Every validation message, word for word: the field at fault (as the user wrote it, or the
default name when none is given), the rejected value, the rule and the fix. A user reads these
instead of a traceback, so a change to one is a change of behaviour."""

from __future__ import annotations

import pytest

from poetry_codeartifact import endpoint as ep
from poetry_codeartifact.errors import InvalidInput

MESSAGES = [
    ("validate_domain", "Acme", "Invalid domain 'Acme': a CodeArtifact domain name has 2 to 50 characters: lowercase "
     "letters, digits and hyphens, starting with a letter and not ending with a hyphen."),
    ("validate_owner", "1234", "Invalid domain-owner '1234': the domain owner is the 12-digit AWS account ID that owns "
     'the domain. Write it as a string of exactly 12 digits, e.g. "111122223333".'),
    ("validate_region", "europe", "Invalid region 'europe': an AWS region looks like eu-west-1 or us-gov-west-1."),
    ("validate_repository", "-r", "Invalid repository '-r': a CodeArtifact repository name has 2 to 100 characters: "
     "letters, digits, '.', '_' and '-', starting with a letter or digit."),
    ("validate_name", "a.b", "Invalid source name 'a.b': a source name has 1 to 63 characters: letters, digits, '_' "
     "and '-', starting with a letter or digit (Poetry uses it in config keys and environment variable names)."),
    ("validate_name", "PyPI", "Invalid source name 'PyPI': 'pypi' is reserved by Poetry for PyPI itself. Choose "
     "another name."),
    ("validate_duration", "600", "Invalid duration '600': a token duration is 0 (as long as the AWS session) or 900 to "
     "43200 seconds."),
    ("validate_duration", True, "Invalid duration True: a token duration is 0 (as long as the AWS session) or 900 to "
     "43200 seconds."),
    ("validate_profile", "my dev", "Invalid --profile 'my dev': a profile is a name from ~/.aws/config, without spaces "
     "or control characters."),
    ("validate_role_arn", "arn:aws:iam::1:role/x", "Invalid role-arn 'arn:aws:iam::1:role/x': a role ARN looks like "
     "arn:aws:iam::<12-digit account>:role/<name>. Copy it from the IAM console or `aws iam get-role --role-name "
     "NAME`."),
    ("validate_session_name", "x", "Invalid role-session-name 'x': a role session name is 2-64 characters of letters, "
     "digits and +=,.@_-."),
    ("validate_external_id", "x", "Invalid external-id 'x': an external ID is 2-1224 characters of letters, digits "
     "and +=,.@:/_-."),
    ("validate_url", "ftp://x/", "Invalid --url 'ftp://x/': a repository URL must be an absolute http(s) URL. Use the "
     "URL from `aws codeartifact get-repository-endpoint --format pypi`."),
    ("validate_url", "https://u:p@h/", "Invalid --url 'https://***@h/': a repository URL must not hold credentials "
     "(they would be written to pyproject.toml and sent instead of the token). Remove the user:password@ part: the "
     "plugin supplies the token."),
    ("validate_url", "https://h/ x", "Invalid --url 'https://h/ x': a URL has no spaces, line breaks or other control "
     "characters. Copy the URL again, on one line."),
    ("validate_url", "https://h/?a", "Invalid --url 'https://h/?a': a repository URL has no query (?...) or fragment "
     "(#...): the index path follows it. Remove everything from the '?' or '#' on."),
]


@pytest.mark.parametrize(("validator", "value", "message"), MESSAGES, ids=[f"{v}-{x}" for v, x, _ in MESSAGES])
def test_each_message_names_field_value_rule_and_fix(validator: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        getattr(ep, validator)(value)
    assert str(raised.value) == message
    shown = ep.redact(str(value)) if validator == "validate_url" and "@" in str(value) else value
    assert raised.value.value == shown  # a password in a URL is never echoed


@pytest.mark.parametrize(("validator", "value"), [(v, x) for v, x, _ in MESSAGES])
def test_a_field_given_by_the_caller_is_the_one_named(validator: str, value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        getattr(ep, validator)(value, "[tool.x] key")
    assert raised.value.field == "[tool.x] key"
    assert str(raised.value).startswith("Invalid [tool.x] key ")


@pytest.mark.parametrize(
    ("validator", "value"),
    [("validate_profile", 7), ("validate_role_arn", None), ("validate_external_id", 12345), ("validate_domain", 1),
     ("validate_session_name", None), ("validate_duration", "1.5"), ("validate_duration", None)],
)
def test_a_value_of_the_wrong_type_is_invalid_input_not_a_crash(validator: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        getattr(ep, validator)(value)


def test_an_endpoint_without_a_repository_has_no_url() -> None:
    with pytest.raises(ValueError, match=r"^an endpoint without a repository has no URL$"):
        ep.Endpoint("acme", "111122223333", "eu-west-1").standard_url()
    url = ep.Endpoint("acme", "111122223333", "eu-west-1", "repo").standard_url()
    assert url == "https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/repo/"


def test_redact_keeps_the_host_after_the_last_at() -> None:
    assert ep.redact("https://u:p@x@host.example/simple/") == "https://***@host.example/simple/"
    assert ep.redact("https://host.example/a@b") == "https://host.example/a@b"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x-111122223333.d.codeartifact.eu-west-1.amazonaws.com.cn/pypi/", True),
        ("https://x-111122223333.codeartifact.eu-west-1.on.aws/pypi/r/", True),
        ("https://x.codeartifact.example.com/pypi/r/", False),
        ("https://codeartifact-proxy.amazonaws.com/pypi/r/", False),
        ("not a url", False),
        ("", False),
    ],
)
def test_looks_like_codeartifact(url: str, expected: bool) -> None:
    assert ep.looks_like_codeartifact(url) is expected


@pytest.mark.parametrize("url", ["", "ftp://x/", "mailto:a@b", "https://", "http://[::1/"])
def test_domain_of_anything_else_is_none(url: str) -> None:
    assert ep.domain_of(url) is None
