"""Mapping between the claims domain's aggregates and read models and their MongoDB documents."""

from __future__ import annotations

from typing import Any

from services.claims.domain import (
    Attendee,
    AttendeeRole,
    BudgetLine,
    Claim,
    Claimant,
    ClaimantKind,
    ClaimStatus,
    Decision,
    DecisionOutcome,
    Disbursement,
    Evaluation,
    FundSource,
    IntentionMeeting,
    ItemBoard,
    MeetingPlan,
    MeetingStatus,
    OrganizationCard,
    ProgressReport,
    Proposal,
    Reservation,
    ResidentRating,
    Rubric,
    SupervisionVisit,
    TrainingSession,
)
from services.common.store import Document
from services.common.store.dates import aware, day_from_bson, day_to_bson, optional_day_from_bson, optional_day_to_bson
from services.common.store.history import history_from_documents, history_to_documents

__all__ = [
    "board_from_document",
    "card_from_document",
    "claim_fields",
    "claim_from_document",
    "line_from_document",
    "meeting_fields",
    "meeting_from_document",
]


def line_from_document(line: dict[str, Any]) -> BudgetLine:
    """A budget line."""
    return BudgetLine(FundSource(line["fund_source"]), line["amount_fen"], line.get("source_name"))


def claim_fields(claim: Claim) -> dict[str, Any]:
    """Every domain field of a claim, plus ``open_key`` while it is the claimant's open claim on the item."""
    fields: dict[str, Any] = {
        "item_id": claim.item_id,
        "community_id": claim.community_id,
        "claimant": {
            "kind": claim.claimant.kind.value,
            "subject": claim.claimant.subject,
            "organization_id": claim.claimant.organization_id,
            "name": claim.claimant.name,
        },
        "organization_id": claim.claimant.organization_id,
        "proposal": {
            "plan": claim.proposal.plan,
            "schedule": claim.proposal.schedule,
            "team": list(claim.proposal.team),
            "budget": [line.to_data() for line in claim.proposal.budget],
        },
        "status": claim.status.value,
        "submitted_at": claim.submitted_at,
        "updated_at": claim.updated_at,
        "history": history_to_documents(claim.history),
        "reason": claim.reason,
        "meeting_id": claim.meeting_id,
        "trainings": [
            {
                "id": t.id,
                "on": day_to_bson(t.on),
                "topic": t.topic,
                "trainer": t.trainer,
                "attendees": list(t.attendees),
                "recorded_by": t.recorded_by,
                "at": t.at,
            }
            for t in claim.trainings
        ],
        "supervisions": [
            {
                "id": v.id,
                "on": day_to_bson(v.on),
                "supervisor": v.supervisor,
                "findings": v.findings,
                "rectification_required": v.rectification_required,
                "rectification_deadline": optional_day_to_bson(v.rectification_deadline),
                "rectified_on": optional_day_to_bson(v.rectified_on),
                "recorded_by": v.recorded_by,
                "at": v.at,
            }
            for v in claim.supervisions
        ],
        "progress_reports": [
            {
                "id": r.id,
                "percent": r.percent,
                "narrative": r.narrative,
                "photo_urls": list(r.photo_urls),
                "volunteer_hours": r.volunteer_hours,
                "reported_by": r.reported_by,
                "at": r.at,
            }
            for r in claim.progress_reports
        ],
        "disbursements": [
            {
                "id": d.id,
                "line": d.line.to_data(),
                "on": day_to_bson(d.on),
                "purpose": d.purpose,
                "recorded_by": d.recorded_by,
                "at": d.at,
                "receipt_required": d.receipt_required,
                "receipt_id": d.receipt_id,
            }
            for d in claim.disbursements
        ],
        "evaluation": None
        if claim.evaluation is None
        else {
            "rubric": {name: getattr(claim.evaluation.rubric, name) for name in Rubric.__dataclass_fields__},
            "summary": claim.evaluation.summary,
            "evaluated_by": claim.evaluation.evaluated_by,
            "at": claim.evaluation.at,
            "score": claim.evaluation.score,
        },
        "ratings": [{"resident": r.resident, "score": r.score, "comment": r.comment, "at": r.at} for r in claim.ratings],
        "overall_score": claim.overall_score,
    }
    fields["open_key"] = f"{claim.item_id}/{claim.claimant.key}" if claim.is_open else None
    return fields


def claim_from_document(document: Document) -> Claim:
    """A claim as the domain sees it."""
    claimant, proposal, evaluation = document["claimant"], document["proposal"], document["evaluation"]
    return Claim(
        id=document["_id"],
        item_id=document["item_id"],
        community_id=document["community_id"],
        claimant=Claimant(ClaimantKind(claimant["kind"]), claimant["subject"], claimant["organization_id"], claimant["name"]),
        proposal=Proposal(
            proposal["plan"], proposal["schedule"], tuple(proposal["team"]), tuple(line_from_document(line) for line in proposal["budget"])
        ),
        status=ClaimStatus(document["status"]),
        submitted_at=aware(document["submitted_at"]),
        updated_at=aware(document["updated_at"]),
        history=history_from_documents(document["history"], ClaimStatus),
        reason=document["reason"],
        meeting_id=document["meeting_id"],
        trainings=tuple(
            TrainingSession(
                t["id"], day_from_bson(t["on"]), t["topic"], t["trainer"], tuple(t["attendees"]), t["recorded_by"], aware(t["at"])
            )
            for t in document["trainings"]
        ),
        supervisions=tuple(
            SupervisionVisit(
                v["id"],
                day_from_bson(v["on"]),
                v["supervisor"],
                v["findings"],
                v["rectification_required"],
                optional_day_from_bson(v["rectification_deadline"]),
                optional_day_from_bson(v["rectified_on"]),
                v["recorded_by"],
                aware(v["at"]),
            )
            for v in document["supervisions"]
        ),
        progress_reports=tuple(
            ProgressReport(
                r["id"], r["percent"], r["narrative"], tuple(r["photo_urls"]), r["volunteer_hours"], r["reported_by"], aware(r["at"])
            )
            for r in document["progress_reports"]
        ),
        disbursements=tuple(
            Disbursement(
                d["id"],
                line_from_document(d["line"]),
                day_from_bson(d["on"]),
                d["purpose"],
                d["recorded_by"],
                aware(d["at"]),
                bool(d.get("receipt_required", False)),
                d.get("receipt_id"),
            )
            for d in document["disbursements"]
        ),
        evaluation=None
        if evaluation is None
        else Evaluation(
            Rubric(**evaluation["rubric"]),
            evaluation["summary"],
            evaluation["evaluated_by"],
            aware(evaluation["at"]),
            evaluation.get("score"),
        ),
        ratings=tuple(ResidentRating(r["resident"], r["score"], r["comment"], aware(r["at"])) for r in document["ratings"]),
        version=document["version"],
    )


def meeting_fields(meeting: IntentionMeeting) -> dict[str, Any]:
    """Every domain field of a meeting."""
    plan = meeting.plan
    return {
        "community_id": plan.community_id,
        "scheduled_at": plan.scheduled_at,
        "venue": plan.venue,
        "agenda": list(plan.agenda),
        "attendees": [{"name": a.name, "role": a.role.value, "organization_id": a.organization_id} for a in plan.attendees],
        "status": meeting.status.value,
        "created_by": meeting.created_by,
        "created_at": meeting.created_at,
        "updated_at": meeting.updated_at,
        "minutes": meeting.minutes,
        "public_minutes": meeting.public_minutes,
        "decisions": [
            {"claim_id": d.claim_id, "item_id": d.item_id, "outcome": d.outcome.value, "reason": d.reason, "actor": d.actor, "at": d.at}
            for d in meeting.decisions
        ],
        "history": history_to_documents(meeting.history),
    }


def meeting_from_document(document: Document) -> IntentionMeeting:
    """A meeting as the domain sees it."""
    plan = MeetingPlan(
        community_id=document["community_id"],
        scheduled_at=aware(document["scheduled_at"]),
        venue=document["venue"],
        agenda=tuple(document["agenda"]),
        attendees=tuple(Attendee(a["name"], AttendeeRole(a["role"]), a["organization_id"]) for a in document["attendees"]),
    )
    return IntentionMeeting(
        id=document["_id"],
        plan=plan,
        status=MeetingStatus(document["status"]),
        created_by=document["created_by"],
        created_at=aware(document["created_at"]),
        updated_at=aware(document["updated_at"]),
        minutes=document["minutes"],
        public_minutes=document.get("public_minutes", ""),
        decisions=tuple(
            Decision(d["claim_id"], d["item_id"], DecisionOutcome(d["outcome"]), d["reason"], d["actor"], aware(d["at"]))
            for d in document["decisions"]
        ),
        history=history_from_documents(document["history"], MeetingStatus),
        version=document["version"],
    )


def board_from_document(document: Document) -> ItemBoard:
    """The item board read model."""
    return ItemBoard(
        item_id=document["_id"],
        community_id=document["community_id"],
        title=document["title"],
        status=document["status"],
        eligible_kinds=frozenset(ClaimantKind(kind) for kind in document["eligible_claimant_kinds"]),
        opens_at=aware(document["opens_at"]),
        closes_at=aware(document["closes_at"]),
        slots=document["slots"],
        budget=tuple(line_from_document(line) for line in document["budget"]),
        reservations=tuple(Reservation(r["claim_id"], dict(r["budget"]), aware(r["at"])) for r in document.get("reservations", [])),
    )


def card_from_document(document: Document) -> OrganizationCard:
    """The organization card read model."""
    return OrganizationCard(
        organization_id=document["_id"],
        community_id=document["community_id"],
        served_community_ids=tuple(document["served_community_ids"]),
        kind=ClaimantKind(document["kind"]),
        status=document["status"],
        name=document["name"],
        accounts_linked=bool(document.get("accounts_linked", False)),
        acting_accounts=frozenset(document.get("acting_accounts", ())),
        member_accounts=frozenset(document.get("member_accounts", ())),
    )
