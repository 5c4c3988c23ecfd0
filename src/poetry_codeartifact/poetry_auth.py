"""The places where Poetry attaches a credential to a request, wrapped so that a CodeArtifact
token goes by the origin of the URL it is sent to (origins.py), never by a source name.

* ``Authenticator.get_credentials_for_url(url)``: every Poetry path that sends a credential with
  a request asks here: index pages and file downloads (``Authenticator.request``), ``export
  --with-credentials`` (``authenticated_url``), ``self`` commands and other plugins' commands that
  use Poetry's repositories. A URL whose origin may carry a domain's token gets ``aws:<token>``;
  any other URL gets what Poetry itself finds, which never holds a token of the plugin's.
* ``Authenticator.request``: a CodeArtifact origin that answers 401 or 403 to a token, or 404
  while the token is no longer accepted, gets one retry with a freshly fetched token instead of
  Poetry's "Authorization error" or "not found".
* ``Uploader.upload`` and ``Uploader._upload_file``: ``poetry publish`` sends the credential it
  found by repository name; an upload to a CodeArtifact origin carries the token (user ``aws``)
  instead, and a rejected one is retried once with a new token.

Each wrapper asks :data:`Listener` (the refresh hook's current command) and does nothing at all
when no CodeArtifact command context is active. The same method names exist in Poetry 1.8 and
2.x; a Poetry without them is left untouched.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Protocol

from poetry.publishing.uploader import Uploader
from poetry.utils.authenticator import Authenticator
from poetry.utils.password_manager import HTTPAuthCredential

from poetry_codeartifact.credentials import USERNAME
from poetry_codeartifact.endpoint import has_credentials, without_credentials

if TYPE_CHECKING:
    from collections.abc import Callable

REJECTED = (401, 403)
NOT_FOUND = 404
_MARK = "__poetry_codeartifact__"


class Listener(Protocol):
    def credential_for(self, url: str) -> tuple[str, str] | None: ...

    def withholds(self, name: str, url: str) -> bool: ...

    def request_failed(
        self, url: str, status: int, sent: str, answered_by: str, probe: Callable[[str], int]
    ) -> bool: ...

    def still_rejected(self, url: str, status: int) -> None: ...

    def upload_credential(self, url: str) -> tuple[str, str] | None: ...

    def upload_rejected(self, url: str, sent: str | None) -> str | None: ...


_listener: list[Listener | None] = [None]


def set_listener(listener: Listener | None) -> None:
    _listener[0] = listener


def current() -> Listener | None:
    return _listener[0]


def install() -> None:
    """Wrap Poetry's credential seams (idempotent; costs nothing while no listener is set)."""
    _wrap(Authenticator, "get_credentials_for_url", _get_credentials_for_url)
    _wrap(Authenticator, "request", _request)
    _wrap(Uploader, "upload", _upload)
    _wrap(Uploader, "_upload_file", _upload_file)


def _wrap(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(cls, name, None)
    if original is None or getattr(original, _MARK, False):
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, _MARK, True)
    setattr(cls, name, wrapper)


def _get_credentials_for_url(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_credentials_for_url(self: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        listener = current()
        if listener is not None:
            credential = listener.credential_for(url)
            if credential is not None:
                return HTTPAuthCredential(username=credential[0], password=credential[1])
        found = original(self, url, *args, **kwargs)
        if listener is not None and found.password and found.username == USERNAME:
            # A CodeArtifact token stored by hand under a name (the manual ritual, or 0.1.0): Poetry
            # would send it wherever the project's settings map that name.
            repository = self.get_repository_config_for_url(url)
            name = getattr(repository, "name", None)
            if name and listener.withholds(name, url):
                return HTTPAuthCredential()
        return found

    return get_credentials_for_url


def _request(original: Callable[..., Any]) -> Callable[..., Any]:
    def request(self: Any, method: str, url: str, raise_for_status: bool = True, **kwargs: Any) -> Any:
        listener = current()
        if listener is None:
            return original(self, method, url, raise_for_status, **kwargs)
        sent = listener.credential_for(url)  # what the request below carries, if it is a token of ours
        if sent is not None and has_credentials(url):
            # a user:password@ in the URL would win over the token on Poetry < 2.1 (requests takes
            # it when the Request has no auth of its own); the origin stays the same without it
            url = without_credentials(url)
        response = original(self, method, url, False, **kwargs)
        status = response.status_code
        if sent is not None and (status in REJECTED or status == NOT_FOUND):

            def probe(probe_url: str) -> int:
                answer = original(self, "get", probe_url, False)
                answer.close()
                return int(answer.status_code)

            if listener.request_failed(url, status, sent[1], str(response.url or url), probe):
                response.close()
                response = original(self, method, url, False, **kwargs)
                if response.status_code in REJECTED:
                    listener.still_rejected(url, response.status_code)
        if raise_for_status:
            response.raise_for_status()
        return response

    return request


def _upload(original: Callable[..., Any]) -> Callable[..., Any]:
    def upload(self: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        listener = current()
        if listener is not None:
            credential = listener.upload_credential(url)
            if credential is not None:
                self.auth(*credential)
        return original(self, url, *args, **kwargs)

    return upload


def _upload_file(original: Callable[..., Any]) -> Callable[..., Any]:
    def upload_file(self: Any, session: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, session, url, *args, **kwargs)
        except Exception as error:
            listener = current()
            if listener is None or _status_of(error) not in REJECTED:
                raise
            sent = session.auth[1] if isinstance(session.auth, tuple) else None
            token = listener.upload_rejected(url, sent)
            if token is None:
                raise
            session.auth = (session.auth[0], token)
            self.auth(session.auth[0], token)
            return original(self, session, url, *args, **kwargs)

    return upload_file


def _status_of(error: BaseException) -> int | None:
    """The HTTP status behind Poetry's UploadError (its cause on 2.x, its text on 1.8)."""
    response = getattr(error.__cause__, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    match = re.search(r"HTTP Error (\d{3})", str(error))
    return int(match.group(1)) if match else None
