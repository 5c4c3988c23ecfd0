"""What the tests, the demo and the benchmarks share about a throw-away "user machine":
the network safety net (only 127.0.0.1 is reachable) and a minimal pyproject.toml that Poetry
1.8 and 2.x both read."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path


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


def user_env(
    root: Path, endpoint_url: str, *, access_key: str = "AKIDSTANDINTEST", proxy_port: int | None = None,
    trusted: Iterable[str] = (),
) -> dict[str, str]:
    """The environment of a throw-away user machine under ``root``: its own HOME (with an empty
    ~/.aws), Poetry config/cache/data directories, keyring off (tokens go to auth.toml), fake
    AWS keys, boto3 pointed at the stand-in at ``endpoint_url``, and the safety net."""
    home = root / "home"
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "POETRY_CONFIG_DIR": str(root / "poetry-config"),
        "POETRY_CACHE_DIR": str(root / "poetry-cache"),
        "POETRY_DATA_DIR": str(root / "poetry-data"),
        "POETRY_KEYRING_ENABLED": "false",
        "POETRY_VIRTUALENVS_IN_PROJECT": "true",
        "POETRY_NO_INTERACTION": "1",
        "AWS_ACCESS_KEY_ID": access_key,  # fake: the stand-in accepts any signed request
        "AWS_SECRET_ACCESS_KEY": "standin-secret-key",
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_ENDPOINT_URL_CODEARTIFACT": endpoint_url,
        # The user (never a project file) trusts the stand-in's host to receive tokens.
        "POETRY_CODEARTIFACT_TRUSTED_HOSTS": ",".join(dict.fromkeys([urlsplit(endpoint_url).netloc, *trusted])),
        "AWS_ENDPOINT_URL_STS": endpoint_url,
        "AWS_MAX_ATTEMPTS": "2",
        **safety_net_env(proxy_port),
    }
