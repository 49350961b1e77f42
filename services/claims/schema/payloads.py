"""Mutation payloads of the claims subgraph: the changed record, or typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Self

import strawberry
from strawberry.types import Info

from services.claims.domain import Claim, IntentionMeeting
from services.claims.handlers import ClaimsHandlers
from services.claims.schema.claim import ClaimType
from services.claims.schema.context import ClaimsContext
from services.claims.schema.meeting import IntentionMeetingType
from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt_for_caller
from services.common.identity import Principal

__all__ = ["ClaimPayload", "MeetingPayload"]


@strawberry.type(description="Result of a claim mutation.")
class ClaimPayload:
    claim: ClaimType | None = strawberry.field(description="The claim after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    async def run(cls, info: Info[ClaimsContext, None], action: Callable[[ClaimsHandlers, Principal], Awaitable[Claim]]) -> Self:
        """Run a use case for the caller and shape its result."""
        claim, errors = await attempt_for_caller(info.context, action)
        return cls(claim=ClaimType.from_domain(claim) if claim else None, errors=errors)


@strawberry.type(description="Result of an intention meeting mutation.")
class MeetingPayload:
    meeting: IntentionMeetingType | None = strawberry.field(description="The meeting after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    async def run(cls, info: Info[ClaimsContext, None], action: Callable[[ClaimsHandlers, Principal], Awaitable[IntentionMeeting]]) -> Self:
        """Run a use case for the caller and shape its result."""
        meeting, errors = await attempt_for_caller(info.context, action)
        return cls(meeting=IntentionMeetingType.from_domain(meeting) if meeting else None, errors=errors)
