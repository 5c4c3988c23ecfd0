"""botocore clients wrapped in Stubber, handed to the plugin through its client factory."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import botocore.session
from botocore.exceptions import ProfileNotFound
from botocore.stub import Stubber


def stubbed_client(region: str = "eu-west-1", service: str = "codeartifact") -> tuple[Any, Stubber]:
    session = botocore.session.get_session()
    client = session.create_client(
        service, region_name=region, aws_access_key_id="AKIDSTUB", aws_secret_access_key="stub"
    )
    return client, Stubber(client)


def token_response(token: str, expires: float) -> dict[str, Any]:
    return {"authorizationToken": token, "expiration": datetime.fromtimestamp(expires, tz=timezone.utc)}


class Factory:
    """A client factory that records what it was asked for and serves stubbed clients."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str | None]] = []
        self.stubbers: dict[tuple[str | None, str | None], Stubber] = {}
        self.clients: dict[tuple[str | None, str | None], Any] = {}
        self.missing_profiles: set[str] = set()
        self.sts: dict[tuple[str | None, str | None], tuple[Any, Stubber]] = {}

    def stub(self, region: str | None = "eu-west-1", profile: str | None = None) -> Stubber:
        key = (region, profile)
        if key not in self.stubbers:
            client, stubber = stubbed_client(region or "eu-west-1")
            stubber.activate()
            self.clients[key], self.stubbers[key] = client, stubber
        return self.stubbers[key]

    def stub_sts(self, region: str | None = "eu-west-1", profile: str | None = None) -> Stubber:
        """The stubbed STS client of (region, profile): GetCallerIdentity for doctor."""
        if (region, profile) not in self.sts:
            client, stubber = stubbed_client(region or "eu-west-1", "sts")
            stubber.activate()
            self.sts[(region, profile)] = (client, stubber)
        return self.sts[(region, profile)][1]

    def __call__(
        self, region: str | None, profile: str | None, service: str = "codeartifact", credentials: Any = None
    ) -> Any:
        if credentials is not None:
            raise AssertionError("roles are tested against the stand-in, with real boto3")
        if service == "sts":
            if profile in self.missing_profiles:
                raise ProfileNotFound(profile=profile)
            self.stub_sts(region, profile)
            return self.sts[(region, profile)][0]
        if service != "codeartifact":
            raise AssertionError(f"no stub for {service}")
        self.calls.append((region, profile))
        if profile in self.missing_profiles:
            raise ProfileNotFound(profile=profile)
        self.stub(region, profile)
        return self.clients[(region, profile)]

    def assert_done(self) -> None:
        for stubber in [*self.stubbers.values(), *(stubber for _, stubber in self.sts.values())]:
            stubber.assert_no_pending_responses()
