"""The GraphQL endpoint (HTTP and graphql-transport-ws) that authenticates every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from services.common.identity import AuthenticationError, Principal, TokenVerifier
from services.common.store.stamped import one_reading

__all__ = ["ContextFactory", "GraphQLView", "bearer_token"]

NOT_GIVEN: UnsetType = UNSET
ContextFactory = Callable[[Request | WebSocket, Response | WebSocket | None, Principal | None, str | None], Awaitable[Any]]


def bearer_token(headers: Any) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


class GraphQLView(GraphQL[Any, None]):
    """Strawberry's ASGI view; the context is built by the service from ``app.state``."""

    def __init__(self, schema: BaseSchema, *, graphql_ide: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphql_ide else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's view, except that a malformed HTTP request is answered with a GraphQL error in JSON.

        Strawberry answers those (a body that is not JSON, a GET without a query, an unsupported
        content type) in plain text; clients expect ``{"errors": [...]}`` with a code.
        """
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            with one_reading():  # one state of each stamped collection per request
                response = await self.run(request)
        except HTTPException as error:
            body = {"errors": [{"message": error.reason, "extensions": {"code": "BAD_REQUEST"}}]}
            response = JSONResponse(body, status_code=error.status_code)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """orjson: strict UTF-8, at most 1024 levels of nesting, and its error is a ``JSONDecodeError``."""
        return orjson.loads(data)

    async def on_ws_connect(self, context: Any) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set WebSocket headers: accept the token in ``connection_init`` too.

        ``{"Authorization": "Bearer …"}`` in the payload; a bad token closes the socket (4403).
        """
        params = getattr(context, "connection_params", None) or {}
        token = bearer_token({key.lower(): value for key, value in params.items() if isinstance(value, str)})
        if token is None or getattr(context, "principal", None) is not None:
            return NOT_GIVEN
        verifier: TokenVerifier = context.request.app.state.verifier
        try:
            context.principal = await verifier.verify(token)
        except AuthenticationError as error:
            raise ConnectionRejectionError({"reason": str(error)}) from error
        return NOT_GIVEN

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Any:
        """Verify the bearer token (if any) and let the service build its context."""
        state = request.app.state
        verifier: TokenVerifier = state.verifier
        factory: ContextFactory = state.context_factory
        principal: Principal | None = None
        auth_error: str | None = None
        token = bearer_token(request.headers)
        if token == "":
            auth_error = "the Authorization header must be `Bearer <token>`"
        elif token is not None:
            try:
                principal = await verifier.verify(token)
            except AuthenticationError as error:
                auth_error = str(error)
        return await factory(request, response, principal, auth_error)
