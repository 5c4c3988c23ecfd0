"""The network safety net every test runs under: only 127.0.0.1 is reachable (see tools/sandbox.py)."""

from __future__ import annotations

from tools.sandbox import closed_port, safety_net_env

__all__ = ["closed_port", "safety_net_env"]
