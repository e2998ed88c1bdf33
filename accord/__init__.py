"""accord: build LLM training data with people and models together."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "Client"]


def __getattr__(name: str) -> Any:
    if name == "Client":
        from accord.client import Client

        return Client
    raise AttributeError(f"module 'accord' has no attribute {name!r}")
