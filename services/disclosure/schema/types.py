"""GraphQL types of the 公示: only public fields exist here, so no path can reach a personal one."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from services.common.graphql.scalars import Fen
from services.common.graphql.vocabulary import Category, FundSource
from services.disclosure.domain import (
    FundTotals,
    PublicAmount,
    PublicClaim,
    PublicDecision,
    PublicDisbursement,
    PublicItem,
    PublicMeeting,
    PublicNotice,
    fund_totals,
)

__all__ = [
    "PublicAmountType",
    "PublicClaimType",
    "PublicCommunityTotalsType",
    "PublicFundTotalsType",
    "PublicMeetingType",
    "PublicNoticeType",
    "PublicRollupType",
    "PublicServiceItemType",
]


@strawberry.type(name="PublicAmount", description="An amount from one fund source.")
class PublicAmountType:
    fund_source: FundSource = strawberry.field(description="The fund (the same enum as in inputs).")
    amount_fen: Fen = strawberry.field(description="Amount in fen (分).")

    @classmethod
    def of(cls, amount: PublicAmount | PublicDisbursement) -> Self:
        """From the domain."""
        return cls(fund_source=fund_source_of(amount.fund_source), amount_fen=Fen(amount.amount_fen))


@strawberry.type(name="PublicDisbursement", description="One payment out of a fund to a claimant (拨付).")
class PublicDisbursementType:
    on: str = strawberry.field(description="The day it was paid (YYYY-MM-DD).")
    fund_source: FundSource = strawberry.field(description="The fund it was paid from (the same enum as in inputs).")
    amount_fen: Fen = strawberry.field(description="Amount in fen.")


@strawberry.type(name="PublicClaim", description="An approved claim (认领): who does the work, the money, and the evaluation.")
class PublicClaimType:
    id: strawberry.ID = strawberry.field(description="The claim's id.")
    claimant: str = strawberry.field(description="The organization's registered name; 居民个人认领 for a resident (never a person's name).")
    claimant_kind: str = strawberry.field(description="SOCIAL_ORGANIZATION, UNIT, RESIDENT or PARTNER_ORGANIZATION.")
    status: str = strawberry.field(description="The claim's status now.")
    approved_at: datetime = strawberry.field(description="When the intention meeting approved it.")
    approved_budget: list[PublicAmountType] = strawberry.field(description="The budget approved, per fund source.")
    approved_fen: Fen = strawberry.field(description="The approved budget, all sources.")
    disbursements: list[PublicDisbursementType] = strawberry.field(description="Payments made so far.")
    disbursed_fen: Fen = strawberry.field(description="Paid so far, all sources.")
    volunteer_hours: float = strawberry.field(description="Volunteer hours reported.")
    score: float | None = strawberry.field(
        description="The summary evaluation's overall score on the one scale of the graph (1–5, as ClaimEvaluation.overallScore); null until evaluated."
    )
    grade: str | None = strawberry.field(description="EXCELLENT, GOOD, PASS or FAIL; null until evaluated.")

    @classmethod
    def of(cls, claim: PublicClaim) -> Self:
        """From the domain."""
        return cls(
            id=strawberry.ID(claim.id),
            claimant=claim.claimant,
            claimant_kind=claim.claimant_kind,
            status=claim.status,
            approved_at=claim.approved_at,
            approved_budget=[PublicAmountType.of(line) for line in claim.approved_budget],
            approved_fen=Fen(claim.approved_fen),
            disbursements=[
                PublicDisbursementType(on=d.on, fund_source=fund_source_of(d.fund_source), amount_fen=Fen(d.amount_fen))
                for d in claim.disbursements
            ],
            disbursed_fen=Fen(claim.disbursed_fen),
            volunteer_hours=claim.volunteer_hours,
            score=round(claim.score / 20, 2) if claim.score is not None else None,  # events carry it ×20 (0–100)
            grade=claim.grade,
        )


@strawberry.type(name="PublicServiceItem", description="A published service item (服务项目) with its budget and approved claims.")
class PublicServiceItemType:
    id: strawberry.ID = strawberry.field(description="The item's id.")
    title: str = strawberry.field(description="The item's title (phone and ID numbers in it masked).")
    kind: str = strawberry.field(description="ACTIVITY 活动 or PROJECT 项目.")
    category: Category | None = strawberry.field(
        description="The service category (情暖五色土, the same enum as in needs); null if not known."
    )
    status: str = strawberry.field(description="The item's status now.")
    published_at: datetime = strawberry.field(description="When it was published for claiming.")
    closed_at: datetime | None = strawberry.field(description="When it was evaluated or cancelled; the disclosure period counts from here.")
    budget: list[PublicAmountType] = strawberry.field(description="The budget per fund source.")
    budget_fen: Fen = strawberry.field(description="The budget, all sources.")
    claims: list[PublicClaimType] = strawberry.field(description="The approved claims.")

    @classmethod
    def of(cls, item: PublicItem) -> Self:
        """From the domain."""
        return cls(
            id=strawberry.ID(item.id),
            title=item.title,
            kind=item.kind,
            category=Category.__members__.get(item.category),
            status=item.status,
            published_at=item.published_at,
            closed_at=item.closed_at,
            budget=[PublicAmountType.of(line) for line in item.budget],
            budget_fen=Fen(item.budget_fen),
            claims=[PublicClaimType.of(claim) for claim in item.claims],
        )


@strawberry.type(name="PublicDecision", description="One decision of an intention meeting.")
class PublicDecisionType:
    item_id: strawberry.ID = strawberry.field(description="The item decided on.")
    item_title: str = strawberry.field(description="Its title.")
    claim_id: strawberry.ID = strawberry.field(description="The claim decided.")
    claimant: str = strawberry.field(description="The claimant's public name.")
    outcome: str = strawberry.field(description="APPROVED or REJECTED.")

    @classmethod
    def of(cls, decision: PublicDecision) -> Self:
        """From the domain."""
        return cls(
            item_id=strawberry.ID(decision.item_id),
            item_title=decision.item_title,
            claim_id=strawberry.ID(decision.claim_id),
            claimant=decision.claimant,
            outcome=decision.outcome,
        )


@strawberry.type(name="PublicMeeting", description="A concluded claim intention meeting (认领意向会).")
class PublicMeetingType:
    id: strawberry.ID = strawberry.field(description="The meeting's id.")
    scheduled_at: datetime = strawberry.field(description="When it was held.")
    concluded_at: datetime = strawberry.field(description="When it was concluded.")
    minutes: str = strawberry.field(
        description="Its minutes (纪要) as published: the public version staff wrote when they concluded it, else the minutes; "
        "either way phone numbers, ID numbers, long numbers, e-mail addresses and labelled names (姓名：…) masked."
    )
    minutes_as_written: str | None = strawberry.field(
        description="The minutes as staff wrote them, unmasked: for the community's staff (and its district's administrators) only; null for anyone else."
    )
    decisions: list[PublicDecisionType] = strawberry.field(description="Its decisions.")

    @classmethod
    def of(cls, meeting: PublicMeeting, *, staff: bool = False) -> Self:
        """From the domain; the minutes as written only for ``staff``."""
        return cls(
            id=strawberry.ID(meeting.id),
            scheduled_at=meeting.scheduled_at,
            concluded_at=meeting.concluded_at,
            minutes=meeting.minutes,
            minutes_as_written=meeting.minutes_as_written if staff else None,
            decisions=[PublicDecisionType.of(d) for d in meeting.decisions],
        )


@strawberry.type(name="PublicFundTotals", description="Budgeted, approved and disbursed money of one fund source.")
class PublicFundTotalsType:
    fund_source: FundSource = strawberry.field(description="The fund source (the same enum as in inputs).")
    budgeted_fen: Fen = strawberry.field(description="Budgeted by the published items.")
    approved_fen: Fen = strawberry.field(description="Approved for claims.")
    disbursed_fen: Fen = strawberry.field(description="Paid out.")

    @classmethod
    def of(cls, totals: FundTotals) -> Self:
        """From the domain."""
        return cls(
            fund_source=fund_source_of(totals.fund_source),
            budgeted_fen=Fen(totals.budgeted_fen),
            approved_fen=Fen(totals.approved_fen),
            disbursed_fen=Fen(totals.disbursed_fen),
        )


@strawberry.type(name="PublicNotice", description="A community's public disclosure (公示): readable by anyone, without signing in.")
class PublicNoticeType:
    community_id: strawberry.ID = strawberry.field(description="The community.")
    community_name: str = strawberry.field(description="Its name.")
    period_days: int = strawberry.field(description="Days a closed record stays public (set by the district).")
    generated_at: datetime = strawberry.field(description="When this notice was put together.")
    items: list[PublicServiceItemType] = strawberry.field(description="Published items still within the disclosure period.")
    meetings: list[PublicMeetingType] = strawberry.field(description="Concluded intention meetings within the disclosure period.")
    totals: list[PublicFundTotalsType] = strawberry.field(description="Totals per fund source over the items shown.")

    @classmethod
    def of(cls, notice: PublicNotice, *, staff: bool = False) -> Self:
        """From the domain; ``staff``: the caller is the community's staff (they read the minutes as written too)."""
        return cls(
            community_id=strawberry.ID(notice.community_id),
            community_name=notice.community_name,
            period_days=notice.period_days,
            generated_at=notice.generated_at,
            items=[PublicServiceItemType.of(item) for item in notice.items],
            meetings=[PublicMeetingType.of(meeting, staff=staff) for meeting in notice.meetings],
            totals=[PublicFundTotalsType.of(line) for line in notice.totals],
        )


@strawberry.type(name="PublicCommunityTotals", description="One community's line in a street's or district's roll-up.")
class PublicCommunityTotalsType:
    community_id: strawberry.ID = strawberry.field(description="The community.")
    community_name: str = strawberry.field(description="Its name.")
    items: int = strawberry.field(description="Items disclosed.")
    approved_claims: int = strawberry.field(description="Approved claims disclosed.")
    totals: list[PublicFundTotalsType] = strawberry.field(description="Its totals per fund source.")


@strawberry.type(name="PublicRollup", description="The 公示 of a street or district, community by community, with its totals.")
class PublicRollupType:
    place_id: strawberry.ID = strawberry.field(description="The street or district.")
    communities: list[PublicCommunityTotalsType] = strawberry.field(description="Each community's totals.")
    totals: list[PublicFundTotalsType] = strawberry.field(description="Totals per fund source over every community.")

    @classmethod
    def of(cls, place_id: str, communities: list[tuple[str, str, tuple[PublicItem, ...]]]) -> Self:
        """From each community's id, name and public items."""
        lines = [
            PublicCommunityTotalsType(
                community_id=strawberry.ID(community_id),
                community_name=name,
                items=len(items),
                approved_claims=sum(len(i.claims) for i in items),
                totals=[PublicFundTotalsType.of(t) for t in fund_totals(items)],
            )
            for community_id, name, items in communities
        ]
        every = fund_totals(item for _, _, items in communities for item in items)
        return cls(place_id=strawberry.ID(place_id), communities=lines, totals=[PublicFundTotalsType.of(t) for t in every])


def fund_source_of(name: str) -> FundSource:
    """The enum member a disclosed line names (the upper-case member name); an unknown name is OTHER."""
    return FundSource.__members__.get(name, FundSource.OTHER)
