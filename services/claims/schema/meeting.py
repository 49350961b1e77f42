"""The IntentionMeeting type (认领意向会)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from services.claims.domain import IntentionMeeting
from services.claims.schema.claim import ClaimType
from services.claims.schema.context import ClaimsContext
from services.claims.schema.enums import AttendeeRole, DecisionOutcome, MeetingStatus

if TYPE_CHECKING:
    from services.claims.schema.extensions import CommunityType, ServiceItemType

__all__ = ["IntentionMeetingType"]

ServiceItemRef = Annotated["ServiceItemType", strawberry.lazy("services.claims.schema.extensions")]
CommunityRef = Annotated["CommunityType", strawberry.lazy("services.claims.schema.extensions")]


@strawberry.type(description="Someone at the meeting.")
class MeetingAttendee:
    name: str = strawberry.field(description="Name.")
    role: AttendeeRole = strawberry.field(description="In what capacity.")
    organization_id: strawberry.ID | None = strawberry.field(description="The organization they speak for, if any.")


@strawberry.type(description="An item on the agenda and the claims on it.")
class AgendaItem:
    item_id: strawberry.ID = strawberry.field(description="The service item.")
    _claims: strawberry.Private[list[ClaimType]]

    @strawberry.field(description="The item, joined from the needs subgraph.")
    def item(self) -> ServiceItemRef:
        from services.claims.schema.extensions import ServiceItemType

        return ServiceItemType(id=self.item_id)

    @strawberry.field(description="Every claim on the item, oldest first.")
    def claims(self) -> list[ClaimType]:
        return self._claims


@strawberry.type(description="A decision of the meeting.")
class MeetingDecision:
    claim_id: strawberry.ID = strawberry.field(description="The claim decided.")
    item_id: strawberry.ID = strawberry.field(description="Its item.")
    outcome: DecisionOutcome = strawberry.field(description="Approved or rejected.")
    reason: str = strawberry.field(description="Why.")
    at: datetime = strawberry.field(description="When.")


@strawberry.federation.type(
    name="IntentionMeeting", keys=["id"], description="认领意向会 A claim intention meeting: claimants present, the community decides."
)
class IntentionMeetingType:
    id: strawberry.ID = strawberry.field(description="Meeting id.")
    community_id: strawberry.ID = strawberry.field(description="The deciding community.")
    scheduled_at: datetime = strawberry.field(description="When.")
    venue: str = strawberry.field(description="Where.")
    status: MeetingStatus = strawberry.field(description="Scheduled, concluded or cancelled.")
    attendees: list[MeetingAttendee] = strawberry.field(description="Who attended.")
    minutes: str = strawberry.field(description="Minutes (纪要), written when it concludes.")
    public_minutes: str = strawberry.field(
        description="The version of the minutes staff wrote for the 公示 (empty: the 公示 shows the minutes, personal numbers masked)."
    )
    decisions: list[MeetingDecision] = strawberry.field(description="Decisions, in the order they were taken.")
    _meeting: strawberry.Private[IntentionMeeting]

    @classmethod
    def from_domain(cls, meeting: IntentionMeeting) -> IntentionMeetingType:
        """From the domain aggregate."""
        return cls(
            id=strawberry.ID(meeting.id),
            community_id=strawberry.ID(meeting.community_id),
            scheduled_at=meeting.plan.scheduled_at,
            venue=meeting.plan.venue,
            status=meeting.status,
            attendees=[
                MeetingAttendee(name=a.name, role=a.role, organization_id=strawberry.ID(a.organization_id) if a.organization_id else None)
                for a in meeting.plan.attendees
            ],
            minutes=meeting.minutes,
            public_minutes=meeting.public_minutes,
            decisions=[
                MeetingDecision(
                    claim_id=strawberry.ID(d.claim_id), item_id=strawberry.ID(d.item_id), outcome=d.outcome, reason=d.reason, at=d.at
                )
                for d in meeting.decisions
            ],
            _meeting=meeting,
        )

    @strawberry.field(description="The agenda: items and their claims.")
    async def agenda(self, info: Info[ClaimsContext, None]) -> list[AgendaItem]:
        groups = await asyncio.gather(*(info.context.claims_of_item.load(item_id) for item_id in self._meeting.plan.agenda))
        return [
            AgendaItem(item_id=strawberry.ID(item_id), _claims=[ClaimType.from_domain(claim) for claim in claims])
            for item_id, claims in zip(self._meeting.plan.agenda, groups, strict=True)
        ]

    @strawberry.field(description="The community (社区).")
    def community(self) -> CommunityRef:
        from services.claims.schema.extensions import CommunityType

        return CommunityType(id=self.community_id)

    @classmethod
    async def resolve_reference(cls, info: Info[ClaimsContext, None], id: strawberry.ID) -> IntentionMeetingType | None:
        """Federation entity resolution, batched through the request's DataLoader."""
        meeting = await info.context.visible_meeting(str(id))
        return cls.from_domain(meeting) if meeting else None
