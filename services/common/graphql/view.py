"""The GraphQL endpoint (HTTP and graphql-transport-ws) that authenticates every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from services.common.identity import AuthenticationError, Principal, TokenVerifier

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
