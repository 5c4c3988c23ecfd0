"""poetry-codeartifact: AWS CodeArtifact as a native package index for Poetry."""

from __future__ import annotations

__version__ = "0.2.0"
