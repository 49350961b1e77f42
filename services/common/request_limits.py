"""Request size limits enforced before a request reaches the app: headers, and a body read with a cap.

A body is refused from its ``Content-Length`` before anything is read, and a body sent without
one (chunked) is read only up to the limit; either way the answer is a GraphQL error in JSON
(413). Headers larger than the limit in total (an 8 MB ``Authorization`` header, say) are refused
with 431 before any of them is parsed further. The gateway and every subgraph run this first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_HEADER_BYTES", "RequestLimitsMiddleware", "json_error_response"]

DEFAULT_MAX_HEADER_BYTES = 16_384
"""All request headers together, names and values (browsers and clients send a few KiB at most)."""


async def json_error_response(send: Send, status: int, message: str, code: str) -> None:
    """Send a GraphQL error body with ``status`` on a raw ASGI connection."""
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimitsMiddleware:
    """Refuses oversized headers (431) and bodies (413) without reading more than the limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        larger_bodies: Mapping[str, int] | None = None,
    ) -> None:
        """``larger_bodies``: path prefixes (a file upload route) whose bodies may be larger, and their limit."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.larger_bodies = dict(larger_bodies or {})

    def _limit(self, path: str) -> int:
        return next((limit for prefix, limit in self.larger_bodies.items() if path.startswith(prefix)), self.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the headers, then (for HTTP) read the body up to the limit and hand it on."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
        if sum(len(name) + len(value) for name, value in headers) > self.max_header_bytes:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1009, "reason": "request headers too large"})
                return
            await json_error_response(
                send, 431, f"the request headers are larger than {self.max_header_bytes} bytes", "REQUEST_HEADER_FIELDS_TOO_LARGE"
            )
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        declared = _content_length(headers)
        if declared is None:
            await json_error_response(send, 400, "the Content-Length header is not a number", "BAD_REQUEST")
            return
        limit = self._limit(scope.get("path", ""))
        if declared > limit:
            await self._too_large(send, limit)
            return
        body = await self._read(receive, limit)
        if body is None:
            await self._too_large(send, limit)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or ``None`` as soon as it grows past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Send, limit: int) -> None:
        await json_error_response(send, 413, f"the request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE")


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The declared length (0 when absent), or ``None`` when it is not a number."""
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return 0


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the body once, then whatever the connection says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            message: dict[str, Any] = {"type": "http.request", "body": body, "more_body": False}
            return message
        return await receive()

    return replay
