"""Where a CodeArtifact token may go: decided from the origin (scheme, host, port) of the URL a
request is about to be sent to, never from a source name.

A request may carry a domain's token only when its origin is

* one of CodeArtifact's own https hosts for that domain (the host names the domain, or a VPC
  endpoint's path does): AWS vouches for it; or
* an origin the user trusted outside the project (``POETRY_CODEARTIFACT_TRUSTED_HOSTS`` or
  ``trusted-hosts`` in codeartifact.toml), https or plain http to this machine, on which a
  source of this project is mapped to the domain: the user vouches for it.

Poetry maps a URL to a repository *name* through settings that a cloned project controls (its
sources, its ``poetry.toml`` repositories, direct-URL dependencies), so a name says nothing
about where a request goes. The refresh hook therefore never gives Poetry a token under a name;
poetry_auth.py asks :meth:`Routes.source_for` at the moment a request or upload is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_codeartifact.endpoint import domain_of, origin_of, split_url
from poetry_codeartifact.settings import AWS, USER

if TYPE_CHECKING:
    from collections.abc import Iterable

    from poetry_codeartifact.endpoint import Origin
    from poetry_codeartifact.settings import Source


class Routes:
    """The project's trusted CodeArtifact sources, indexed by what a request URL can match."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self._by_domain: dict[tuple[str, str, str], list[Source]] = {}
        self._by_origin: dict[Origin, list[Source]] = {}
        for source in sources:
            if source.vouched == AWS:
                self._by_domain.setdefault(source.endpoint[:3], []).append(source)
            elif source.vouched == USER:
                origin = origin_of(source.url)
                if origin is not None:
                    self._by_origin.setdefault(origin, []).append(source)
        # A source the user trusted on a CodeArtifact host serves its domain there too.
        for sources_on_origin in list(self._by_origin.values()):
            for source in sources_on_origin:
                if domain_of(source.url) == source.endpoint[:3]:
                    self._by_domain.setdefault(source.endpoint[:3], []).append(source)

    def __bool__(self) -> bool:
        return bool(self._by_domain or self._by_origin)

    def source_for(self, url: str) -> Source | None:
        """The source whose domain's token a request to ``url`` may carry, or None."""
        domain = domain_of(url)
        if domain is not None:
            candidates = self._by_domain.get(domain)
        else:
            origin = origin_of(url)
            candidates = self._by_origin.get(origin) if origin is not None else None
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        path = split_url(url).path
        return max(candidates, key=lambda source: _shared_segments(split_url(source.url).path, path))


def _shared_segments(own: str, other: str) -> int:
    """How many leading path segments two paths share (the best-matching source wins; the
    first one among equals)."""
    shared = 0
    for mine, theirs in zip(_segments(own), _segments(other), strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]
