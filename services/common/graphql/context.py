"""The per-request GraphQL context base: who is calling, checked on every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from services.common.graphql.errors import PublicError
from services.common.identity import Principal

__all__ = ["RequestContext", "communities_in_scope"]


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


async def communities_in_scope(
    principal: Principal,
    requested: Sequence[str] | None,
    communities_of_districts: Callable[[list[str]], Awaitable[Iterable[str]]],
    districts_of: Callable[[list[str]], Awaitable[Sequence[str | None]]],
    may_read: Callable[[str, str | None], bool],
    *,
    field: str = "filter.communityIds",
) -> list[str]:
    """The communities a list covers.

    Those asked for, each of which the caller must be allowed to read (else FORBIDDEN naming
    ``field``); or, when none are asked for, every community of the caller's token and of the
    districts they administer that they may read. This is how one call covers a district.
    ``districts_of`` gives each candidate's district in one batch, ``may_read`` decides from the
    community and its district (no lookup per community: a district has 500).
    """
    if requested:
        candidates = list(dict.fromkeys(requested))
    else:
        own = set(principal.communities)
        if principal.districts:
            own |= set(await communities_of_districts(sorted(principal.districts)))
        candidates = sorted(own)
    districts = await districts_of(candidates)
    allowed = [may_read(community_id, district) for community_id, district in zip(candidates, districts, strict=True)]
    if requested and not all(allowed):
        raise PublicError("you may not read some of these communities", "FORBIDDEN", field)
    return [community_id for community_id, ok in zip(candidates, allowed, strict=True) if ok]
