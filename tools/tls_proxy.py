"""A local CONNECT proxy for the production path: real CodeArtifact host names over https,
answered by the stand-in on 127.0.0.1, with certificates from a test CA (trustme).

Clients reach it as a corporate proxy (``HTTPS_PROXY``), so they never resolve a host name
themselves: requests, urllib3 and botocore send ``CONNECT host:443`` and the proxy answers it
locally. Only CodeArtifact's and STS's host names are served (``route``); any other CONNECT, and
any plain-http request, gets 403 and is recorded, so nothing leaves the machine and a test can
see what a client tried. The CA reaches the clients through their usual settings:
``REQUESTS_CA_BUNDLE`` (Poetry) and ``AWS_CA_BUNDLE`` (botocore).
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import threading
from socketserver import BaseRequestHandler, ThreadingTCPServer
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import trustme

CODEARTIFACT_HOST = (
    r"(?P<domain>[a-z][a-z0-9-]*[a-z0-9])-(?P<owner>\d{12})\.d\.codeartifact\.[a-z0-9-]+\.amazonaws\.com"
)
CONTROL_HOSTS = (r"codeartifact\.[a-z0-9-]+\.amazonaws\.com", r"sts(?:\.[a-z0-9-]+)?\.amazonaws\.com")
_HEAD_LIMIT = 65536


class TlsProxy:
    """``route(host)`` gives the ``(host, port)`` on 127.0.0.1 that serves ``host``, or None."""

    def __init__(self, ca: trustme.CA, route: Callable[[str], tuple[str, int] | None]) -> None:
        self.ca = ca
        self.route = route
        self.connects: list[str] = []  # every CONNECT target, served or not
        self.refused: list[str] = []  # targets (or plain-http requests) answered with 403
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseRequestHandler):
            def handle(self) -> None:
                owner._handle(self.request)

        self._server = ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TlsProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one client connection -------------------------------------------------------------

    def _context(self, host: str) -> ssl.SSLContext:
        with self._lock:
            context = self._contexts.get(host)
            if context is None:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                self.ca.issue_cert(host).configure_cert(context)
                self._contexts[host] = context
            return context

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(60)
        head = b""
        while b"\r\n\r\n" not in head and len(head) < _HEAD_LIMIT:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        target = rest.partition(" ")[0]
        if method != "CONNECT":
            self.refused.append(f"{method} {target}")
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.connects.append(target)
        host, _, port = target.rpartition(":")
        upstream = self.route(host.lower()) if port == "443" else None
        if upstream is None:
            self.refused.append(target)
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            tls = self._context(host.lower()).wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client did not trust the certificate: it says so itself
        with socket.create_connection(upstream, timeout=60) as backend:
            _pipe(tls, backend)


def _pipe(tls: ssl.SSLSocket, backend: socket.socket) -> None:
    """Copy bytes both ways until either side closes, in one thread (an SSL socket must not be
    read and written from two threads at once)."""
    while True:
        ready, _, _ = select.select([tls, backend], [], [], 60)
        if not ready:
            return
        for source in ready:
            target = backend if source is tls else tls
            try:
                data = source.recv(65536)
                while source is tls and tls.pending():
                    data += tls.recv(tls.pending())
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except OSError:
                return
            if not data:
                return
            target.sendall(data)


def standin_route(
    control: tuple[str, int], domains: dict[str, tuple[str, int]]
) -> Callable[[str], tuple[str, int] | None]:
    """CodeArtifact's data-plane host of a domain -> that domain's stand-in port; the control
    plane's and STS's host names -> the stand-in's control plane; anything else -> None."""

    def route(host: str) -> tuple[str, int] | None:
        match = re.fullmatch(CODEARTIFACT_HOST, host)
        if match is not None:
            return domains.get(match["domain"])
        if any(re.fullmatch(pattern, host) for pattern in CONTROL_HOSTS):
            return control
        return None

    return route
