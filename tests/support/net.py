"""The network safety net every test and the demo run under: only 127.0.0.1 is reachable."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port nothing listens on: a proxy pointed here makes any non-local request fail fast."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def safety_net_env(port: int) -> dict[str, str]:
    proxy = f"http://127.0.0.1:{port}"
    return {
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "https_proxy": proxy,
        "http_proxy": proxy,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
