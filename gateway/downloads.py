"""Files through the gateway: report exports, evidence files and uploads, certificates and hours exports.

A district runs only the gateway at the edge, so every link the services hand out points at the
gateway (``GATEWAY_PUBLIC_URL``), and the gateway passes each request on to the service that
owns the file, where that service's GraphQL lives (the subgraph's URL without ``/graphql``):

| the gateway's path | the service's |
| --- | --- |
| ``GET /reports?…`` | disclosure ``GET /reports?…`` (period reports, CSV or Excel) |
| ``GET /evidence/files/{token}`` | evidence ``GET /files/{token}`` (a signed download link) |
| ``PUT /evidence/uploads/{token}`` | evidence ``PUT /uploads/{token}`` (a signed upload link; up to ``EVIDENCE_MAX_BYTES``) |
| ``GET /people/certificates/{code}`` | people ``GET /certificates/{code}`` (志愿服务记录证明, PDF) |
| ``GET /people/exports/volunteer-hours?…`` | people ``GET /exports/volunteer-hours?…`` |

Identity is passed on, never decided here: the ``Authorization`` header goes with the request
(the gateway refuses a token that does not verify, as on ``/graphql``), and a signed link's token
is part of the path; the service checks who may see the file. The answer is streamed: the
service's status and file headers, then its body chunk by chunk as it arrives, so a district's
export never sits in the gateway's memory. The gateway's own refusals are JSON in the GraphQL error
shape — the service cannot be reached (502), it did not answer in time (504), it failed (502,
never its 500), the query string is too long (414).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import orjson
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.file_transport import FileTransport, Upstream
from gateway.transport import TransportError
from services.common.tracing import inject_headers

__all__ = ["FILE_ROUTES", "MAX_QUERY_BYTES", "UPLOAD_PREFIX", "FileProxy", "FileRoute", "service_base"]

log = logging.getLogger(__name__)

MAX_QUERY_BYTES = 4096
"""The longest query string passed on (a report's scope and period take a few dozen bytes)."""

UPLOAD_PREFIX = "/evidence/uploads/"
"""The one path whose bodies may be as large as an evidence file."""

REQUEST_HEADERS = ("authorization", "x-request-id", "accept", "accept-language", "if-none-match", "if-modified-since")
"""What of the caller's request goes on to the service (identity, request id, content negotiation)."""

RESPONSE_HEADERS = (
    "content-type", "content-length", "content-disposition", "content-encoding", "cache-control", "etag", "last-modified",
    "x-content-type-options", "retry-after",
)  # fmt: skip
"""What of the service's answer comes back (the file's own headers; nothing about the service's internals)."""


@dataclass(frozen=True, slots=True)
class FileRoute:
    """A gateway path, the service that owns it, and that service's path (``{name}`` filled from the gateway's path)."""

    path: str
    subgraph: str
    upstream: str
    methods: tuple[str, ...] = ("GET",)
    query: bool = False
    body: bool = False


FILE_ROUTES = (
    FileRoute("/reports", "disclosure", "/reports", query=True),
    FileRoute("/evidence/files/{token}", "evidence", "/files/{token}"),
    FileRoute(UPLOAD_PREFIX + "{token}", "evidence", "/uploads/{token}", methods=("PUT", "POST"), body=True),
    FileRoute("/people/certificates/{code}", "people", "/certificates/{code}"),
    FileRoute("/people/exports/volunteer-hours", "people", "/exports/volunteer-hours", query=True),
)


def service_base(graphql_url: str) -> str:
    """Where a service's files are: its GraphQL URL without the ``/graphql`` path."""
    parts = urlsplit(graphql_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.removesuffix("/").removesuffix("/graphql"), "", ""))


class FileProxy:
    """Passes file requests on to the services and streams their answers back."""

    def __init__(
        self, transport: FileTransport, graphql_urls: Mapping[str, str], *, connect_timeout_s: float, read_timeout_s: float
    ) -> None:
        self._transport = transport
        self._bases = {name: service_base(url) for name, url in graphql_urls.items()}
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s

    async def forward(self, request: Request, route: FileRoute) -> Response:
        """The service's answer to the request, streamed; a JSON error when it cannot be had."""
        base = self._bases.get(route.subgraph)
        if base is None:
            return json_error(404, f"the {route.subgraph} service is not behind this gateway", "NOT_FOUND")
        query = request.url.query
        if len(query) > MAX_QUERY_BYTES:
            return json_error(414, f"the query string is longer than {MAX_QUERY_BYTES} bytes", "URI_TOO_LONG")
        path = route.upstream.format(**{name: quote(str(value), safe="") for name, value in request.path_params.items()})
        url = base + path + (f"?{query}" if route.query and query else "")
        headers = {name: request.headers[name] for name in REQUEST_HEADERS if name in request.headers}
        if route.body and "content-type" in request.headers:
            headers["content-type"] = request.headers["content-type"]
        inject_headers(headers)
        body = await request.body() if route.body else None  # already read within its limit by RequestLimitsMiddleware
        try:
            upstream = await self._transport.open(
                request.method,
                url,
                headers=headers,
                body=body,
                connect_timeout_s=self._connect_timeout_s,
                read_timeout_s=self._read_timeout_s,
            )
        except TransportError as error:
            log.warning("the %s service did not answer %s %s: %s", route.subgraph, request.method, route.path, error)
            if "Timeout" in str(error):
                return json_error(504, f"the {route.subgraph} service did not answer in time", "SUBGRAPH_TIMEOUT")
            return json_error(502, f"the {route.subgraph} service cannot be reached", "SUBGRAPH_UNAVAILABLE")
        closing = _Closing(upstream)
        content_type = upstream.headers.get("content-type", "")
        if upstream.status >= 500 or (upstream.status >= 400 and not content_type.startswith("application/json")):
            await closing()
            log.warning("the %s service answered %s %s with HTTP %s", route.subgraph, request.method, route.path, upstream.status)
            status = 502 if upstream.status >= 500 else upstream.status
            return json_error(status, f"the {route.subgraph} service answered HTTP {upstream.status}", "SUBGRAPH_FAILED")
        passed = {name: upstream.headers[name] for name in RESPONSE_HEADERS if name in upstream.headers}
        return StreamingResponse(
            _relay(upstream, closing, route.subgraph), status_code=upstream.status, headers=passed, background=BackgroundTask(closing)
        )


class _Closing:
    """Closes the service's answer once, whichever comes first: the end of the body, the caller leaving, an error."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._closed = False

    async def __call__(self) -> None:
        if not self._closed:
            self._closed = True
            await self._upstream.close()


async def _relay(upstream: Upstream, closing: _Closing, subgraph: str) -> AsyncIterator[bytes]:
    """The body, chunk by chunk as the service sends it; a break mid-way ends the response abruptly (never as complete)."""
    try:
        async for chunk in upstream.chunks:
            yield chunk
    except TransportError:
        log.warning("the %s service stopped sending a file mid-way; the answer is cut off", subgraph)
        raise
    finally:
        await closing()


def json_error(status: int, message: str, code: str) -> Response:
    """A GraphQL-shaped error answer."""
    body: dict[str, Any] = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
