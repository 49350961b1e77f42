"""The per-request GraphQL context base: who is calling, checked on every request."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from services.common.graphql.errors import PublicError
from services.common.identity import Principal

__all__ = ["RequestContext"]


@dataclass
class RequestContext:
    """Base of every service's context; services add their handlers and DataLoaders."""

    request: Request | WebSocket
    response: Response | WebSocket | None
    principal: Principal | None
    auth_error: str | None = None
    connection_params: dict[str, object] | None = None

    def require_principal(self) -> Principal:
        """The caller, or an UNAUTHENTICATED error saying why not."""
        if self.principal is None:
            raise PublicError(self.auth_error or "sign in: send an `Authorization: Bearer <token>` header", "UNAUTHENTICATED")
        return self.principal
