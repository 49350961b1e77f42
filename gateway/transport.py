"""The gateway's HTTP port to its subgraphs.

The gateway needs one operation of HTTP: post a JSON body, get the status and the bytes back.
Production uses :class:`gateway.keep_alive.KeepAliveTransport` (keep-alive pools); the tests route the
same port to in-process subgraphs (an httpx ASGI adapter in ``tests/support.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["KEEP_ALIVE_S", "HttpTransport", "TransportError"]

KEEP_ALIVE_S = 30.0
"""Idle connections to subgraphs are closed after this; below the services' own 65 s, so that a
connection the server has just closed is never reused."""


class TransportError(Exception):
    """The subgraph could not be reached or did not answer in time; the message names what happened."""


class HttpTransport(Protocol):
    """Posts bytes to a URL and returns the status and body."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """One POST of a JSON body; raise :class:`TransportError` when no answer came."""

    async def close(self) -> None:
        """Release the connections."""
