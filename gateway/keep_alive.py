"""The gateway's HTTP/1.1 client to its subgraphs: keep-alive connections on asyncio protocols, responses parsed by httptools.

The gateway posts a JSON body and reads the status and the bytes back, several times per answer
(seven subgraph requests for the public benchmark's query); a general client (aiohttp) spends
more CPU on each of those than the gateway spends on its own work for it. This one does only
that exchange: the request is written in one ``write`` (request line, ``Host``,
``Content-Type``, ``Content-Length``, the forwarded headers, the body), the response is parsed
by httptools (the parser uvicorn uses: lengths, chunked bodies) into one ``bytes``, and the
connection goes back to its origin's pool when the response allows it.

Behaviour kept from the aiohttp adapter it replaces: at most ``max_connections`` exchanges
at once (callers wait for one), an idle connection is never reused after :data:`KEEP_ALIVE_S`
(nor once the server has closed it) and is closed when the pool next sees it, a connect timeout, one total
timeout per exchange, a POST never retried, gzip or deflate bodies decoded, and
:class:`gateway.transport.TransportError` named as before: ``ReadTimeout``, ``ConnectError``,
``ServerDisconnectedError``, ``ClientPayloadError``, ``ClientOSError``. Header values with a
line break are refused (``InvalidHeader``) before anything is sent.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections import deque
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools

from gateway.transport import KEEP_ALIVE_S, TransportError

__all__ = ["KeepAliveTransport"]


class _Origin:
    """Where one URL's requests go: the address, the request line's start and the ``Host`` header, encoded once."""

    __slots__ = ("head", "host", "idle", "port", "tls")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TransportError("InvalidURL")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default = 443 if self.tls else 80
        authority = self.host if self.port == default else f"{self.host}:{self.port}"
        if ":" in self.host and not authority.startswith("["):
            authority = f"[{self.host}]" if self.port == default else f"[{self.host}]:{self.port}"
        self.head = f"POST {target} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n".encode("latin-1")
        self.idle: deque[tuple[_Connection, float]] = deque()


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._chunks: list[bytes] = []
        self._encoding = b""
        self._framed = False
        """The response says where its body ends (a length or chunks), rather than at the connection's close."""
        self._headers_done = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport: create_connection's

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():  # bytes no request asked for: the connection is not usable
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail(TransportError("ClientPayloadError"))

    def eof_received(self) -> bool | None:
        return None  # let the transport close; connection_lost ends an unframed body

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._headers_done and not self._framed:  # the body ended with the connection
                self._complete()
            else:
                waiter.set_exception(TransportError("ServerDisconnectedError" if exc is None else "ClientOSError"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"content-encoding":
            self._encoding = value.strip().lower()
        elif lowered in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        self._framed = True
        self.reusable = bool(self._parser.should_keep_alive())
        self._complete()

    # the exchange
    def send(self, request: bytes, waiter: asyncio.Future[tuple[int, bytes]]) -> None:
        """Write the whole request; ``waiter`` gets ``(status, body)`` or the failure."""
        self._waiter = waiter
        self._chunks = []
        self._encoding = b""
        self._framed = False
        self._headers_done = False
        self.reusable = False
        assert self.transport is not None
        self.transport.write(request)

    def abort(self) -> None:
        """Close now (a timed-out or failed exchange: whatever comes later on it is not read)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _complete(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        body = b"".join(self._chunks)
        if self._encoding in (b"gzip", b"x-gzip", b"deflate"):
            try:
                body = _decoded(body, self._encoding)
            except zlib.error:
                waiter.set_exception(TransportError("ClientPayloadError"))
                self.reusable = False
                return
        status = self._parser.get_status_code()
        waiter.set_result((int(status), body))

    def _fail(self, error: Exception) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        self.abort()


def _decoded(body: bytes, encoding: bytes) -> bytes:
    """A gzip body, or a deflate one (zlib-wrapped, or raw as some servers send it)."""
    if encoding != b"deflate":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)


def _expire(waiter: asyncio.Future[tuple[int, bytes]]) -> None:
    if not waiter.done():
        waiter.set_exception(TransportError("ReadTimeout"))


class KeepAliveTransport:
    """A pool of keep-alive HTTP/1.1 connections per origin (at most ``max_connections`` exchanges at once), for JSON POSTs."""

    def __init__(self, *, max_connections: int = 200, connect_timeout_s: float = 2.0) -> None:
        self._connect_timeout_s = connect_timeout_s
        self._origins: dict[str, _Origin] = {}
        self._slots: asyncio.Semaphore | None = None
        self._max_connections = max_connections
        self._open: set[_Connection] = set()
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """POST ``body`` as application/json; the status and the (decoded) body, or :class:`TransportError`."""
        origin = self._origins.get(url)
        if origin is None:
            origin = self._origins[url] = _Origin(url)
        request = _request(origin, body, headers)
        slots = self._slots
        if slots is None:
            slots = self._slots = asyncio.Semaphore(self._max_connections)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        async with slots:
            connection = self._idle(origin)
            if connection is None:
                connection = await self._connect(origin, min(timeout_s, self._connect_timeout_s))
            waiter: asyncio.Future[tuple[int, bytes]] = loop.create_future()
            timer = loop.call_at(deadline, _expire, waiter)
            try:
                connection.send(request, waiter)
                answer = await waiter
            except BaseException:
                connection.abort()
                self._open.discard(connection)
                raise
            finally:
                timer.cancel()
            if connection.reusable and not connection.closed:
                now = time.monotonic()
                idle = origin.idle
                while idle and (idle[0][0].closed or now - idle[0][1] >= KEEP_ALIVE_S):  # the oldest, no longer reusable
                    stale, _ = idle.popleft()
                    stale.abort()
                    self._open.discard(stale)
                idle.append((connection, now))
            else:
                connection.abort()
                self._open.discard(connection)
            return answer

    def _idle(self, origin: _Origin) -> _Connection | None:
        """The most recently used idle connection still open and younger than :data:`KEEP_ALIVE_S`; older ones are closed."""
        now = time.monotonic()
        while origin.idle:
            connection, since = origin.idle.pop()
            if not connection.closed and now - since < KEEP_ALIVE_S:
                return connection
            connection.abort()
            self._open.discard(connection)
        return None

    async def _connect(self, origin: _Origin, timeout_s: float) -> _Connection:
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if origin.tls:
            tls = self._tls = self._tls or ssl.create_default_context()
        try:
            async with asyncio.timeout(timeout_s):
                transport, connection = await loop.create_connection(_Connection, origin.host, origin.port, ssl=tls)
        except TimeoutError as error:
            raise TransportError("ReadTimeout") from error
        except OSError as error:
            raise TransportError("ConnectError") from error
        connection.transport = transport  # uvloop may call connection_made only after create_connection has returned
        self._open.add(connection)
        return connection

    async def close(self) -> None:
        """Close every connection."""
        for origin in self._origins.values():
            origin.idle.clear()
        for connection in self._open:
            connection.abort()
        self._open.clear()
        await asyncio.sleep(0)


def _request(origin: _Origin, body: bytes, headers: Mapping[str, str]) -> bytes:
    """The whole request, in one buffer; a header with a line break (or NUL) is refused."""
    lines = [origin.head, b"Content-Length: ", str(len(body)).encode(), b"\r\n"]
    for name, value in headers.items():
        if name.lower() in ("content-type", "content-length", "host", "transfer-encoding", "connection"):
            continue
        text = f"{name}: {value}\r\n"
        if "\r" in value or "\n" in value or "\x00" in value or "\r" in name or "\n" in name or ":" in name:
            raise TransportError("InvalidHeader")
        try:
            lines.append(text.encode("latin-1"))  # as the server decoded them
        except UnicodeEncodeError:
            lines.append(text.encode())
    lines.append(b"\r\n")
    lines.append(body)
    return b"".join(lines)
