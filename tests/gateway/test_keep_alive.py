"""The gateway's HTTP/1.1 client to its subgraphs (:mod:`gateway.keep_alive`) against a raw asyncio server.

The server here writes exactly the bytes each test wants (lengths, chunks, gzip, a close, no
answer at all) and records the requests and connections it saw, so that what goes on the wire
and what the client makes of it are both checked.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from gateway import keep_alive
from gateway.keep_alive import KeepAliveTransport
from gateway.transport import TransportError

Answer = Callable[[bytes], bytes | None]
"""From the request's bytes, the response's bytes (None: close without answering; b"": never answer)."""


@dataclass
class Server:
    """What the test server saw."""

    url: str
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0


def _ok(body: bytes, *extra: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), b"".join(extra), body)


@asynccontextmanager
async def serving(answer: Answer) -> AsyncIterator[Server]:
    """A server on a free port answering each request with ``answer``; closes the connection when it says so."""
    server = Server("")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
                request = head + await reader.readexactly(length)
                server.requests.append(request)
                response = answer(request)
                if response is None:
                    break
                if response == b"":
                    await asyncio.sleep(3600)
                writer.write(response)
                await writer.drain()
                if b"connection: close" in response.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}/graphql?x=1"
    try:
        yield server
    finally:
        listener.close()


async def test_a_request_is_written_whole_and_the_answer_read_back_over_one_kept_connection() -> None:
    transport = KeepAliveTransport()
    async with serving(lambda request: _ok(b'{"data":{"a":1}}')) as server:
        first = await transport.post(server.url, b'{"query":"{a}"}', {"authorization": "Bearer t", "x-request-id": "r1"}, timeout_s=5)
        second = await transport.post(server.url, b'{"query":"{b}"}', {}, timeout_s=5)
    await transport.close()
    assert first == (200, b'{"data":{"a":1}}')
    assert second == (200, b'{"data":{"a":1}}')
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /graphql?x=1 HTTP/1.1"
    port = server.url.split(":")[2].split("/")[0]
    assert set(lines[1:]) == {
        f"Host: 127.0.0.1:{port}".encode(),
        b"Content-Type: application/json",
        b"Content-Length: 15",
        b"authorization: Bearer t",
        b"x-request-id: r1",
    }
    assert body == b'{"query":"{a}"}'


async def test_chunked_gzip_and_unframed_bodies_are_read_whole() -> None:
    packed = gzip.compress(b'{"data":{"zipped":true}}')
    answers = iter(
        [
            b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"dat\r\n8\r\na":null}\r\n0\r\n\r\n',
            _ok(packed, b"Content-Encoding: gzip\r\n"),
            b'HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n{"errors":[]}',
        ]
    )
    transport = KeepAliveTransport()
    async with serving(lambda request: next(answers)) as server:
        chunked = await transport.post(server.url, b"{}", {}, timeout_s=5)
        zipped = await transport.post(server.url, b"{}", {}, timeout_s=5)
        unframed = await transport.post(server.url, b"{}", {}, timeout_s=5)
        again = KeepAliveTransport()  # a new pool: the server closed the last connection, a new one is opened
        answers = iter([_ok(b"{}")])
        assert await again.post(server.url, b"{}", {}, timeout_s=5) == (200, b"{}")
        await again.close()
    await transport.close()
    assert chunked == (200, b'{"data":null}')
    assert zipped == (200, b'{"data":{"zipped":true}}')
    assert unframed == (502, b'{"errors":[]}')


async def test_a_connection_the_server_closed_or_kept_too_long_is_not_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = KeepAliveTransport()
    async with serving(lambda request: _ok(b"{}", b"Connection: close\r\n")) as server:
        for _ in range(3):
            assert await transport.post(server.url, b"{}", {}, timeout_s=5) == (200, b"{}")
    assert server.connections == 3
    monkeypatch.setattr(keep_alive, "KEEP_ALIVE_S", 0.0)
    async with serving(lambda request: _ok(b"{}")) as server:
        for _ in range(2):
            assert await transport.post(server.url, b"{}", {}, timeout_s=5) == (200, b"{}")
    await transport.close()
    assert server.connections == 2


async def test_failures_are_transport_errors_named_as_before() -> None:
    transport = KeepAliveTransport()
    async with serving(lambda request: b"") as silent:
        with pytest.raises(TransportError, match="ReadTimeout"):
            await transport.post(silent.url, b"{}", {}, timeout_s=0.2)
    async with serving(lambda request: None) as closing:
        with pytest.raises(TransportError, match="ServerDisconnectedError"):
            await transport.post(closing.url, b"{}", {}, timeout_s=5)
    async with serving(lambda request: b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n") as garbled:
        with pytest.raises(TransportError, match="ClientPayloadError"):
            await transport.post(garbled.url, b"{}", {}, timeout_s=5)
    async with serving(lambda request: _ok(b"{}")) as server:
        url = server.url
    with pytest.raises(TransportError, match="ConnectError"):  # nothing listens there any more
        await transport.post(url, b"{}", {}, timeout_s=5)
    await transport.close()


async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    transport = KeepAliveTransport()
    async with serving(lambda request: _ok(b"{}")) as server:
        with pytest.raises(TransportError, match="InvalidHeader"):
            await transport.post(server.url, b"{}", {"x-request-id": "a\r\nx-admin: yes"}, timeout_s=5)
        assert await transport.post(server.url, b"{}", {}, timeout_s=5) == (200, b"{}")
    await transport.close()
    assert len(server.requests) == 1
    assert b"x-admin" not in server.requests[0]


async def test_at_most_max_connections_exchanges_run_at_once() -> None:
    transport = KeepAliveTransport(max_connections=2)
    async with serving(lambda request: _ok(b"{}")) as server:
        answers = await asyncio.gather(*(transport.post(server.url, b"{}", {}, timeout_s=5) for _ in range(6)))
    await transport.close()
    assert answers == [(200, b"{}")] * 6
    assert server.connections == 2
