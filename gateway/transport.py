"""The gateway's HTTP port to its subgraphs, and the aiohttp adapter it runs on.

The gateway needs one operation of HTTP: post a JSON body, get the status and the bytes back.
Production uses :class:`AiohttpTransport` (one pooled keep-alive session); the tests route the
same port to in-process subgraphs (an httpx ASGI adapter in ``tests/support.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

import aiohttp

__all__ = ["KEEP_ALIVE_S", "AiohttpTransport", "HttpTransport", "TransportError"]

KEEP_ALIVE_S = 30.0
"""Idle connections to subgraphs are closed after this; below the services' own 65 s, so that a
connection the server has just closed is never reused (aiohttp does not check before reusing)."""


class TransportError(Exception):
    """The subgraph could not be reached or did not answer in time; the message names what happened."""


class HttpTransport(Protocol):
    """Posts bytes to a URL and returns the status and body."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """One POST of a JSON body; raise :class:`TransportError` when no answer came."""

    async def close(self) -> None:
        """Release the connections."""


class AiohttpTransport:
    """One aiohttp session with a keep-alive pool; created lazily inside the running loop."""

    def __init__(self, *, max_connections: int = 200, connect_timeout_s: float = 2.0) -> None:
        self._max_connections = max_connections
        self._connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300, keepalive_timeout=KEEP_ALIVE_S)
            self._session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",))
        return self._session

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """POST ``body`` as application/json."""
        timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(timeout_s, self._connect_timeout_s))
        try:
            async with self._open().post(
                url, data=body, headers={**headers, "content-type": "application/json"}, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TransportError("ReadTimeout") from error
        except aiohttp.ClientConnectorError as error:
            raise TransportError("ConnectError") from error
        except aiohttp.ClientError as error:
            raise TransportError(type(error).__name__) from error

    async def close(self) -> None:
        """Close the session (and its connections)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)
