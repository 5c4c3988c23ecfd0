"""What the tests, the demo and the benchmarks share about a throw-away "user machine":
the network safety net (only 127.0.0.1 is reachable) and a minimal pyproject.toml that Poetry
1.8 and 2.x both read."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A loopback port nothing listens on: a proxy pointed here makes any non-local request fail fast."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def safety_net_env(port: int | None = None) -> dict[str, str]:
    """Proxies on a closed loopback port, except for 127.0.0.1; no EC2 metadata lookups."""
    proxy = f"http://127.0.0.1:{port or closed_port()}"
    local = "127.0.0.1,localhost"
    return {
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "https_proxy": proxy,
        "http_proxy": proxy,
        "NO_PROXY": local,
        "no_proxy": local,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def pyproject(name: str, *, package: bool = False, version: str = "0.1.0", purpose: str = "a test project") -> str:
    """A pyproject.toml for an application (``package-mode = false``) or a package named ``name``."""
    lines = [
        "[tool.poetry]",
        f'name = "{name}"',
        f'version = "{version}"',
        f'description = "{name}, {purpose}"',
        'authors = ["Test <test@example.com>"]',
    ]
    if package:
        lines.append(f'packages = [{{ include = "{name.replace("-", "_")}" }}]')
    else:
        lines.append("package-mode = false")
    lines += ["", "[tool.poetry.dependencies]", 'python = ">=3.9"', ""]
    if package:
        lines += ["[build-system]", 'requires = ["poetry-core>=1.0"]', 'build-backend = "poetry.core.masonry.api"', ""]
    return "\n".join(lines)
