"""The payload every organization mutation answers with: the organization after the change, or typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Self

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt_for_caller
from services.common.identity import Principal
from services.orgs.domain import Organization
from services.orgs.handlers import OrgsHandlers
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.organization import OrganizationType

__all__ = ["OrganizationPayload"]


@strawberry.type(description="Result of an organization mutation.")
class OrganizationPayload:
    organization: OrganizationType | None = strawberry.field(description="The organization after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    async def run(cls, info: Info[OrgsContext, None], action: Callable[[OrgsHandlers, Principal], Awaitable[Organization]]) -> Self:
        """Run a use case for the caller and shape its result."""
        organization, errors = await attempt_for_caller(info.context, action)
        return cls(organization=OrganizationType.from_domain(organization) if organization else None, errors=errors)
