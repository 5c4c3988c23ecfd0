"""The three places where Poetry touches credentials, wrapped so that the refresh hook can act.

* ``PasswordManager.get_http_auth(name)``: every Poetry path that sends a source's credential
  asks here first: index pages and downloads (through ``Authenticator``), ``export
  --with-credentials`` (through ``authenticated_url``), ``publish``, and other plugins' commands
  that use Poetry's repositories. Asking is the moment to make sure the token is valid.
* ``Authenticator.request``: a CodeArtifact host that answers 401 or 403 gets one retry with a
  freshly fetched token instead of Poetry's "Authorization error".
* ``Uploader._upload_file``: the same for ``poetry publish``, whose uploads bypass the
  Authenticator.

Each wrapper asks :data:`Listener` (the refresh hook's current command) what to do and does
nothing at all when no CodeArtifact command context is active. The same method names exist in
Poetry 1.8 and 2.x; a Poetry without them is left untouched.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Protocol

from poetry.publishing.uploader import Uploader
from poetry.utils.authenticator import Authenticator
from poetry.utils.password_manager import PasswordManager

if TYPE_CHECKING:
    from collections.abc import Callable

    from poetry.config.config import Config

REJECTED = (401, 403)
_MARK = "__poetry_codeartifact__"


class Listener(Protocol):
    def credential_wanted(self, name: str, config: Config) -> None: ...

    def request_rejected(self, authenticator: Any, url: str, sent: str | None) -> bool: ...

    def still_rejected(self, authenticator: Any, url: str, status: int) -> None: ...

    def upload_rejected(self, url: str, sent: str | None) -> str | None: ...


_listener: list[Listener | None] = [None]


def set_listener(listener: Listener | None) -> None:
    _listener[0] = listener


def current() -> Listener | None:
    return _listener[0]


def install() -> None:
    """Wrap Poetry's credential lookups (idempotent; costs nothing while no listener is set)."""
    _wrap(PasswordManager, "get_http_auth", _get_http_auth)
    _wrap(Authenticator, "request", _request)
    _wrap(Uploader, "_upload_file", _upload_file)


def _wrap(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(cls, name, None)
    if original is None or getattr(original, _MARK, False):
        return
    wrapper = functools.wraps(original)(make(original))
    setattr(wrapper, _MARK, True)
    setattr(cls, name, wrapper)


def _get_http_auth(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_http_auth(self: Any, repo_name: str, *args: Any, **kwargs: Any) -> Any:
        listener = current()
        if listener is not None:
            listener.credential_wanted(repo_name, self._config)
        return original(self, repo_name, *args, **kwargs)

    return get_http_auth


def _request(original: Callable[..., Any]) -> Callable[..., Any]:
    def request(self: Any, method: str, url: str, raise_for_status: bool = True, **kwargs: Any) -> Any:
        listener = current()
        if listener is None:
            return original(self, method, url, raise_for_status, **kwargs)
        response = original(self, method, url, False, **kwargs)
        if response.status_code in REJECTED:
            sent = self.get_credentials_for_url(url).password
            if listener.request_rejected(self, url, sent):
                self.reset_credentials_cache()
                response.close()
                response = original(self, method, url, False, **kwargs)
                if response.status_code in REJECTED:
                    listener.still_rejected(self, url, response.status_code)
        if raise_for_status:
            response.raise_for_status()
        return response

    return request


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
