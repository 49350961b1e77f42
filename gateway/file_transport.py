"""The gateway's streaming HTTP port for files (report exports, evidence, certificates), and its aiohttp adapter.

GraphQL answers are small and read whole (:mod:`gateway.transport`); files are not: a district's
report export may be tens of megabytes. :class:`FileTransport` opens a request and returns as
soon as the response's head has arrived, with the body as an iterator of chunks read from the
socket as the caller consumes them, so the gateway passes each chunk on and holds none but the
one in hand. Production uses :class:`AiohttpFileTransport` (the gateway's HTTP client already);
the tests route the same port to in-process services over httpx (``tests/support.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from gateway.transport import KEEP_ALIVE_S, TransportError

__all__ = ["CHUNK_BYTES", "AiohttpFileTransport", "FileTransport", "Upstream"]

CHUNK_BYTES = 64 * 1024
"""The largest piece of a body read from a service at a time."""


@dataclass(frozen=True, slots=True)
class Upstream:
    """A service's answer whose head has arrived: status, headers (lower-case names), the body still to read."""

    status: int
    headers: Mapping[str, str]
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


class FileTransport(Protocol):
    """Opens a streamed request to a service."""

    async def open(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None, connect_timeout_s: float, read_timeout_s: float
    ) -> Upstream:
        """Send the request; return once the head arrived (within ``read_timeout_s``), else raise :class:`TransportError`.

        Reading the chunks raises :class:`TransportError` too when the service stops answering
        for ``read_timeout_s`` or the connection breaks; ``close`` must be awaited in every case.
        """

    async def close(self) -> None:
        """Release the connections."""


class AiohttpFileTransport:
    """One aiohttp session with a keep-alive pool, created lazily inside the running loop; bodies passed on as they are."""

    def __init__(self, *, max_connections: int = 100) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300, keepalive_timeout=KEEP_ALIVE_S)
            self._session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("User-Agent",), auto_decompress=False)
        return self._session

    async def open(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None, connect_timeout_s: float, read_timeout_s: float
    ) -> Upstream:
        """The request sent; no total timeout (an export may stream for minutes), but one on connecting and on each read."""
        timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout_s, sock_read=read_timeout_s)
        try:
            response = await self._open().request(method, url, data=body, headers=dict(headers), timeout=timeout, allow_redirects=False)
        except TimeoutError as error:
            raise TransportError("ReadTimeout") from error
        except aiohttp.ClientError as error:
            raise TransportError(type(error).__name__) from error

        finished = False

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal finished
            try:
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    yield chunk
                finished = True
            except TimeoutError as error:
                raise TransportError("ReadTimeout") from error
            except aiohttp.ClientError as error:
                raise TransportError(type(error).__name__) from error

        async def close() -> None:
            if finished:
                response.release()  # read to the end: the connection goes back to the pool
            else:
                response.close()  # the caller left early: this connection still holds the rest, drop it

        return Upstream(response.status, {name.lower(): value for name, value in response.headers.items()}, chunks(), close)

    async def close(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
