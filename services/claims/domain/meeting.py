"""The claim intention meeting (认领意向会): claimants present, the community decides.

A meeting is scheduled for a community with an agenda of items; it records who attended, the
decisions that approve or reject claims per item, and its minutes; concluding it closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.claims.domain.vocabulary import AttendeeRole, DecisionOutcome, MeetingStatus
from services.common.changes import field_changes
from services.common.domain import Invalid, StateMachine, Transition, TransitionNotAllowed
from services.common.events import Event, new_event

__all__ = ["MEETING_MACHINE", "Attendee", "Decision", "IntentionMeeting", "MeetingPlan", "schedule"]

SERVICE = "claims"
M = MeetingStatus
MEETING_MACHINE: StateMachine[MeetingStatus] = StateMachine(
    "intention meeting", {"conclude": {M.SCHEDULED: M.CONCLUDED}, "cancel": {M.SCHEDULED: M.CANCELLED}}
)


@dataclass(frozen=True, slots=True)
class Attendee:
    """Someone at the meeting."""

    name: str
    role: AttendeeRole
    organization_id: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """A claim approved or rejected at the meeting, and why."""

    claim_id: str
    item_id: str
    outcome: DecisionOutcome
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MeetingPlan:
    """When, where, what is on the agenda, who comes."""

    community_id: str
    scheduled_at: datetime
    venue: str
    agenda: tuple[str, ...]
    attendees: tuple[Attendee, ...] = ()

    def checked(self) -> MeetingPlan:
        """A venue, at least one item, named attendees."""
        venue = self.venue.strip()
        if not venue:
            raise Invalid("name the venue", field="venue")
        if not self.agenda:
            raise Invalid("put at least one item on the agenda", field="agenda")
        if len(set(self.agenda)) != len(self.agenda):
            raise Invalid("an item is on the agenda twice", field="agenda")
        for index, attendee in enumerate(self.attendees):
            if not attendee.name.strip():
                raise Invalid("attendees are named", field=f"attendees.{index}.name")
        return replace(self, venue=venue, attendees=tuple(replace(a, name=a.name.strip()) for a in self.attendees))


@dataclass(frozen=True, slots=True)
class IntentionMeeting:
    """One meeting of one community."""

    id: str
    plan: MeetingPlan
    status: MeetingStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    minutes: str = ""
    decisions: tuple[Decision, ...] = ()
    public_minutes: str = ""
    history: tuple[Transition[MeetingStatus], ...] = ()
    version: int = 0

    @property
    def community_id(self) -> str:
        """The community deciding."""
        return self.plan.community_id

    def replan(self, plan: MeetingPlan, *, actor: str, at: datetime) -> tuple[IntentionMeeting, list[Event]]:
        """Change time, venue, agenda or attendees before it concludes; decided items stay on the agenda.

        ``claims.meeting.replanned.v1`` carries each changed field's old and new value; a plan
        that changes nothing changes nothing.
        """
        self._require_scheduled("change")
        checked = plan.checked()
        decided = {decision.item_id for decision in self.decisions}
        if not decided <= set(checked.agenda):
            raise Invalid("items already decided stay on the agenda", field="agenda")
        checked = replace(checked, community_id=self.community_id)
        changes = field_changes(_plan_view(self.plan), _plan_view(checked))
        if not changes:
            return self, []
        meeting = replace(self, plan=checked, updated_at=at)
        return meeting, [meeting._event("claims.meeting.replanned.v1", at, venue=checked.venue, actor=actor, changes=changes)]

    def record_decision(self, decision: Decision) -> tuple[IntentionMeeting, list[Event]]:
        """Record a decision (see :meth:`decide`), announced as ``claims.meeting.decided.v1``."""
        meeting = self.decide(decision)
        change = {"old": None, "new": {"item_id": decision.item_id, "outcome": decision.outcome.value, "reason": decision.reason}}
        event = meeting._event(
            "claims.meeting.decided.v1", decision.at, claim_id=decision.claim_id, outcome=decision.outcome.value, actor=decision.actor,
            changes={f"decisions.{decision.claim_id}": change},
        )  # fmt: skip
        return meeting, [event]

    def decide(self, decision: Decision) -> IntentionMeeting:
        """Record a decision for a claim of an agenda item (once per claim)."""
        self._require_scheduled("decide at")
        if decision.item_id not in self.plan.agenda:
            raise Invalid("the claim's item is not on this meeting's agenda", field="claimId", code="NOT_ON_AGENDA")
        if any(existing.claim_id == decision.claim_id for existing in self.decisions):
            raise Invalid("this meeting already decided this claim", field="claimId")
        return replace(self, decisions=(*self.decisions, decision), updated_at=decision.at)

    def conclude(self, minutes: str, *, actor: str, at: datetime, public_minutes: str = "") -> tuple[IntentionMeeting, list[Event]]:
        """Close the meeting with its minutes, and the version of them for the 公示 if staff wrote one (empty: the minutes, masked)."""
        minutes, public_minutes = minutes.strip(), public_minutes.strip()
        if not minutes:
            raise Invalid("write the minutes", field="minutes")
        transition = MEETING_MACHINE.move(self.status, "conclude", actor=actor, at=at)
        meeting = replace(
            self,
            status=transition.to_status,
            minutes=minutes,
            public_minutes=public_minutes,
            updated_at=at,
            history=(*self.history, transition),
        )
        decisions = [{"claim_id": d.claim_id, "item_id": d.item_id, "outcome": d.outcome.value} for d in self.decisions]
        event = meeting._event(
            "claims.meeting.concluded.v1", at, **transition.to_data(), decisions=decisions, minutes=minutes, public_minutes=public_minutes
        )
        return meeting, [event]

    def cancel(self, reason: str, *, actor: str, at: datetime) -> tuple[IntentionMeeting, list[Event]]:
        """Called off before any decision: ``claims.meeting.cancelled.v1``."""
        if self.decisions:
            raise Invalid("a meeting that decided claims is concluded, not cancelled", field="meetingId")
        if not reason.strip():
            raise Invalid("say why the meeting is called off", field="reason")
        transition = MEETING_MACHINE.move(self.status, "cancel", actor=actor, at=at, reason=reason.strip())
        meeting = replace(self, status=transition.to_status, updated_at=at, history=(*self.history, transition))
        return meeting, [meeting._event("claims.meeting.cancelled.v1", at, **transition.to_data())]

    def _require_scheduled(self, action: str) -> None:
        if self.status is not M.SCHEDULED:
            raise TransitionNotAllowed("intention meeting", self.status, action)

    def _event(self, routing_key: str, at: datetime, **data: Any) -> Event:
        base = {
            "meeting_id": self.id,
            "community_id": self.community_id,
            "scheduled_at": self.plan.scheduled_at.isoformat(),
            "item_ids": list(self.plan.agenda),
        }
        return new_event(routing_key, service=SERVICE, community=self.community_id, subject=self.id, time=at, data={**base, **data})


def _plan_view(plan: MeetingPlan) -> dict[str, Any]:
    """The fields of a plan a replan may change (attendees are named people: personal)."""
    return {"scheduled_at": plan.scheduled_at, "venue": plan.venue, "agenda": plan.agenda, "attendees": plan.attendees}


def schedule(plan: MeetingPlan, *, meeting_id: str, actor: str, at: datetime) -> tuple[IntentionMeeting, list[Event]]:
    """A new meeting."""
    meeting = IntentionMeeting(meeting_id, plan.checked(), M.SCHEDULED, actor, at, at)
    return meeting, [meeting._event("claims.meeting.scheduled.v1", at, venue=meeting.plan.venue, actor=actor)]
