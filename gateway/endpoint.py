"""``/graphql`` over HTTP: a POST answered as a plain ASGI app, a GET through its Starlette request handler.

A POST is the gateway's hot path (every client query and mutation); building Starlette's
``Request``, ``Response`` and their wrappers for it cost about as much CPU as the gateway's own
bookkeeping for a small operation. So a POST is read and answered from the ASGI scope and
messages directly, with the same steps in the same order as before: the caller's address
counted before any token is verified, the token checked at the edge (a bad one refused with
``UNAUTHENTICATED``), the caller counted, the body read as JSON (``BAD_REQUEST`` otherwise),
then the operation executed (shared with identical queries in flight) and its JSON sent with
the same headers (``content-length``, ``content-type: application/json``). Everything around
it (body and header limits, request id, tracing) is the app's middleware, unchanged; a GET
(the console, a query in the query string) goes through the request handler it is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.client import forwarded
from gateway.dedup import InboundDeduplicator
from gateway.gateway import Gateway
from gateway.rate_limit import RateLimiter
from services.common.graphql.view import bearer_token
from services.common.identity import AuthenticationError, Principal, TokenVerifier

__all__ = ["GatewayApp", "GraphQLEndpoint", "OrjsonResponse", "admitted", "authenticate", "bad_request", "rate_limited"]


class OrjsonResponse(Response):
    """A JSON response encoded by orjson (several times faster than the standard library on large results)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """UTF-8 JSON, no whitespace."""
        return orjson.dumps(content)


class GraphQLEndpoint:
    """The ASGI app of ``/graphql`` (a class, so that Starlette's route calls it as ASGI rather than as a request handler)."""

    def __init__(self, get: Callable[[Request], Awaitable[Response]]) -> None:
        """``get`` answers a GET (the console, a query in the query string)."""
        self._get = get

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A GET by the GET handler; a POST (or a HEAD, which has no JSON body to give: a 400 as before) here."""
        if scope["method"] == "GET":
            response = await self._get(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        answer = await _post(HTTPConnection(scope), receive)
        if isinstance(answer, Response):
            await answer(scope, receive, send)
            return
        headers = [(b"content-length", str(len(answer)).encode("latin-1")), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})


class GatewayApp(Starlette):
    """The gateway's Starlette app: a POST of ``/graphql`` goes through the same middleware straight to its endpoint.

    Starlette's router, its exception middleware and the route's wrappers have nothing to do for
    it (no path parameters, no HTTP exceptions raised, one route), so they are left out of its
    way; its errors still meet Starlette's server-error middleware (a 500 ``Internal Server
    Error``), outermost as in the app's own stack. Everything else goes through the whole app.
    """

    def __init__(self, *, graphql: ASGIApp, **options: Any) -> None:
        super().__init__(**options)
        self._graphql = graphql
        self._graphql_stack: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of ``/graphql`` by the short stack, anything else by the app's."""
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/graphql" and not scope.get("root_path"):
            scope["app"] = self
            stack = self._graphql_stack
            if stack is None:
                stack = self._graphql_stack = self._short_stack()
            await stack(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _short_stack(self) -> ASGIApp:
        app = self._graphql
        for cls, args, kwargs in reversed([Middleware(ServerErrorMiddleware, debug=self.debug), *self.user_middleware]):
            app = cls(app, *args, **kwargs)
        return app


async def _post(connection: HTTPConnection, receive: Receive) -> bytes | Response:
    """The answer's JSON, or the response that refuses the request."""
    headers = forwarded(connection.headers)
    caller = await admitted(connection)
    if isinstance(caller, Response):
        return caller
    raw = await _body(receive)
    try:
        body = orjson.loads(raw)
    except ValueError:
        return bad_request("the body is not JSON (UTF-8, nested at most 1024 levels)")
    if not isinstance(body, dict):
        return bad_request("the body must be a JSON object")
    state = connection.app.state
    gateway: Gateway = state.gateway
    inbound: InboundDeduplicator = state.inbound
    return await inbound.serialized(body, headers, lambda: gateway.execute(body, headers))


async def _body(receive: Receive) -> bytes:
    """The whole request body (as ``Request.body()`` reads it: a disconnect before its end is :class:`ClientDisconnect`)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def admitted(connection: HTTPConnection, *, refused_status: int = 200) -> Principal | Response | None:
    """The caller of a request let in (None: no token), or the response refusing it: its address's rate limit, then
    its token (a bad one answered with ``refused_status``: 200 with GraphQL errors, 401 for a file), then the caller's
    own rate limit."""
    limited = await rate_limited(connection, None, before_verifying=True)
    if limited is not None:
        return limited
    caller = await authenticate(connection)
    if isinstance(caller, dict):
        return OrjsonResponse(caller, status_code=refused_status)
    limited = await rate_limited(connection, caller)
    return caller if limited is None else limited


async def authenticate(connection: HTTPConnection) -> Principal | dict[str, Any] | None:
    """The caller; a bad token is refused at the edge, a missing one left to the subgraphs (public fields)."""
    token = bearer_token(connection.headers)
    if token is None:
        return None
    verifier: TokenVerifier = connection.app.state.verifier
    try:
        if not token:
            raise AuthenticationError("the Authorization header must be `Bearer <token>`")
        return await verifier.verify(token)
    except AuthenticationError as error:
        return {"errors": [{"message": str(error), "extensions": {"code": "UNAUTHENTICATED"}}]}


def bad_request(message: str) -> OrjsonResponse:
    """A 400 with a ``BAD_REQUEST`` error."""
    return OrjsonResponse({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}, status_code=400)


async def rate_limited(connection: HTTPConnection, caller: Principal | None, *, before_verifying: bool = False) -> Response | None:
    """A 429 with ``Retry-After`` when the caller has used up their requests, else ``None``.

    Before any token is verified, every request counts against its client address (so that
    forged tokens, which are refused only after verification, are limited too); after, a
    verified token counts against its subject and a request without one against its address.
    """
    state = connection.app.state
    limiter: RateLimiter | None = state.address_limiter if before_verifying else state.limiter
    if limiter is None:
        return None
    address = f"address:{connection.client.host if connection.client else 'unknown'}"
    key = address if caller is None else f"subject:{caller.subject}"
    if before_verifying:
        key = f"before-verifying:{address}"
    wait = await limiter.admit(key)
    if wait is None:
        return None
    body = {"errors": [limiter.refusal(wait)]}
    return OrjsonResponse(body, status_code=429, headers={"retry-after": f"{wait:.0f}"})
