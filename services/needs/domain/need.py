"""The Need (需求) aggregate: collected, supported, reviewed, classified, decided, planned, resolved.

States: submitted → under review → accepted | rejected (reason) | merged (into another need,
supporters carried over) → planned (linked to a service item) → resolved (when the item's work
is evaluated). A planned need goes back to accepted if its item is cancelled. Before staff take
it up for review, its submitter may edit it or withdraw it (withdrawn).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from services.common.domain import Forbidden, Invalid, StateMachine, Transition, TransitionNotAllowed, local_date, raise_all
from services.common.events import Event, new_event
from services.needs.domain.vocabulary import Category, NeedSource, Priority, TargetGroup

__all__ = ["NEED_MACHINE", "SUPPORTABLE", "Need", "NeedDraft", "NeedStatus", "submit"]

SERVICE = "needs"
TITLE_MAX = 120
TEXT_MAX = 4_000


class NeedStatus(StrEnum):
    """Where a need stands."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    PLANNED = "planned"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


S = NeedStatus
NEED_MACHINE: StateMachine[NeedStatus] = StateMachine(
    "need",
    {
        "start_review": {S.SUBMITTED: S.UNDER_REVIEW},
        "accept": {S.SUBMITTED: S.ACCEPTED, S.UNDER_REVIEW: S.ACCEPTED},
        "reject": {S.SUBMITTED: S.REJECTED, S.UNDER_REVIEW: S.REJECTED},
        "merge": {S.SUBMITTED: S.MERGED, S.UNDER_REVIEW: S.MERGED, S.ACCEPTED: S.MERGED},
        "plan": {S.ACCEPTED: S.PLANNED},
        "release": {S.PLANNED: S.ACCEPTED},
        "resolve": {S.PLANNED: S.RESOLVED},
        "withdraw": {S.SUBMITTED: S.WITHDRAWN},
    },
)
SUPPORTABLE = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED, S.PLANNED})
CLASSIFIABLE = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED})
MERGE_TARGETS = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED, S.PLANNED})


@dataclass(frozen=True, slots=True)
class NeedDraft:
    """What a resident or staff member submits."""

    community_id: str
    title: str
    description: str
    category: Category
    target_groups: tuple[TargetGroup, ...]
    source: NeedSource
    location: str
    anonymous: bool


@dataclass(frozen=True, slots=True)
class Need:
    """One need of one community."""

    id: str
    community_id: str
    title: str
    description: str
    category: Category
    target_groups: tuple[TargetGroup, ...]
    source: NeedSource
    location: str
    submitter_id: str
    anonymous: bool
    status: NeedStatus
    created_at: datetime
    updated_at: datetime
    supporter_ids: tuple[str, ...] = ()
    priority: Priority = Priority.NORMAL
    analysis_note: str = ""
    rejection_reason: str | None = None
    merged_into: str | None = None
    item_id: str | None = None
    history: tuple[Transition[NeedStatus], ...] = field(default=())
    version: int = 0

    @property
    def support_count(self) -> int:
        """How many residents support this need."""
        return len(self.supporter_ids)

    def support(self, resident: str, *, at: datetime) -> Need:
        """Add one resident's support; supporting twice changes nothing, supporting one's own need is refused."""
        if self.status not in SUPPORTABLE:
            raise Invalid(f"a {self.status.value} need can no longer be supported", field="needId")
        if resident == self.submitter_id:
            raise Invalid("you submitted this need: your support is already counted in it", field="needId", code="OWN_NEED")
        if resident in self.supporter_ids:
            return self
        return replace(self, supporter_ids=(*self.supporter_ids, resident), updated_at=at)

    def withdraw_support(self, resident: str, *, at: datetime) -> Need:
        """A resident takes their support back while the need is open; not supporting changes nothing."""
        if self.status not in SUPPORTABLE:
            raise Invalid(f"a {self.status.value} need can no longer change its supporters", field="needId")
        if resident not in self.supporter_ids:
            return self
        return replace(self, supporter_ids=tuple(s for s in self.supporter_ids if s != resident), updated_at=at)

    def revise(self, draft: NeedDraft, *, by: str, at: datetime) -> Need:
        """The submitter edits the need before staff take it up for review."""
        self._require_own_and_unreviewed(by, "edit")
        if draft.community_id != self.community_id:
            raise Invalid("a need stays in its community", field="communityId")
        title = draft.title.strip()
        raise_all(_draft_problems(draft, title))
        return replace(
            self,
            title=title,
            description=draft.description.strip(),
            category=draft.category,
            target_groups=_groups(draft.target_groups),
            location=draft.location.strip(),
            anonymous=draft.anonymous,
            updated_at=at,
        )

    def withdraw(self, reason: str, *, by: str, at: datetime) -> tuple[Need, list[Event]]:
        """The submitter withdraws the need before staff take it up for review."""
        self._require_own_and_unreviewed(by, "withdraw")
        _check_text("reason", reason.strip(), TEXT_MAX)
        return self._move("withdraw", actor=by, at=at, reason=reason.strip() or None)

    def _require_own_and_unreviewed(self, by: str, action: str) -> None:
        if by != self.submitter_id:
            raise Forbidden(f"only the resident who submitted a need may {action} it", field="needId")
        if self.status is not S.SUBMITTED:
            raise TransitionNotAllowed("need", self.status, action)

    def classify(
        self,
        *,
        category: Category,
        target_groups: tuple[TargetGroup, ...],
        priority: Priority,
        analysis_note: str,
        at: datetime,
    ) -> Need:
        """Staff's classification and analysis (分类分析)."""
        if self.status not in CLASSIFIABLE:
            raise Invalid(f"a {self.status.value} need can no longer be classified", field="needId")
        _check_text("analysisNote", analysis_note, TEXT_MAX)
        return replace(
            self,
            category=category,
            target_groups=_groups(target_groups),
            priority=priority,
            analysis_note=analysis_note.strip(),
            updated_at=at,
        )

    def start_review(self, *, actor: str, at: datetime) -> tuple[Need, list[Event]]:
        """Staff take the need up."""
        return self._move("start_review", actor=actor, at=at)

    def accept(self, *, actor: str, at: datetime) -> tuple[Need, list[Event]]:
        """The community will act on it."""
        return self._move("accept", actor=actor, at=at, routing_key="needs.need.accepted.v1")

    def reject(self, reason: str, *, actor: str, at: datetime) -> tuple[Need, list[Event]]:
        """The community will not act on it, and says why."""
        reason = reason.strip()
        if not reason:
            raise Invalid("a rejection needs a reason", field="reason")
        _check_text("reason", reason, TEXT_MAX)
        need, events = self._move("reject", actor=actor, at=at, reason=reason, routing_key="needs.need.rejected.v1")
        return replace(need, rejection_reason=reason), events

    def merge_into(self, target: Need, *, actor: str, at: datetime) -> tuple[Need, list[Event]]:
        """Fold this need into ``target``; its supporters are carried over by the target."""
        if target.id == self.id:
            raise Invalid("a need cannot be merged into itself", field="intoNeedId")
        if target.community_id != self.community_id:
            raise Invalid("needs can only be merged within one community", field="intoNeedId")
        if target.status not in MERGE_TARGETS:
            raise Invalid(f"cannot merge into a {target.status.value} need", field="intoNeedId")
        need, events = self._move(
            "merge",
            actor=actor,
            at=at,
            routing_key="needs.need.merged.v1",
            extra={"into_need_id": target.id, "supporter_ids": [*self.supporter_ids, self.submitter_id]},
        )
        return replace(need, merged_into=target.id), events

    def absorb_supporters(self, supporters: list[str], *, at: datetime) -> Need:
        """Take over the supporters of a need merged into this one, counting each resident once."""
        added = tuple(resident for resident in dict.fromkeys(supporters) if resident not in self.supporter_ids)
        return replace(self, supporter_ids=(*self.supporter_ids, *added), updated_at=at) if added else self

    def plan(self, item_id: str, *, actor: str, at: datetime) -> tuple[Need, list[Event]]:
        """Linked to the service item that will meet it."""
        need, events = self._move("plan", actor=actor, at=at, extra={"item_id": item_id})
        return replace(need, item_id=item_id), events

    def release(self, *, actor: str, at: datetime, reason: str | None = None) -> tuple[Need, list[Event]]:
        """Its item was cancelled: accepted again, ready for another item."""
        need, events = self._move("release", actor=actor, at=at, reason=reason, extra={"item_id": self.item_id})
        return replace(need, item_id=None), events

    def resolve(self, *, actor: str, at: datetime) -> tuple[Need, list[Event]]:
        """The item's work was evaluated: the need is met."""
        return self._move("resolve", actor=actor, at=at, extra={"item_id": self.item_id})

    def _move(
        self,
        action: str,
        *,
        actor: str,
        at: datetime,
        reason: str | None = None,
        routing_key: str = "needs.need.status_changed.v1",
        extra: dict[str, object] | None = None,
    ) -> tuple[Need, list[Event]]:
        transition = NEED_MACHINE.move(self.status, action, actor=actor, at=at, reason=reason)
        need = replace(self, status=transition.to_status, updated_at=at, history=(*self.history, transition))
        data = {
            "need_id": self.id,
            "community_id": self.community_id,
            "category": self.category.value,
            "created_on": local_date(self.created_at).isoformat(),
            "title": self.title,
            "submitter_id": self.submitter_id,
            "supporter_ids": list(self.supporter_ids),
            **transition.to_data(),
            **(extra or {}),
        }
        event = new_event(routing_key, service=SERVICE, community=self.community_id, data=data, subject=self.id, time=at)
        return need, [event]


def submit(draft: NeedDraft, *, need_id: str, submitter: str, at: datetime) -> tuple[Need, list[Event]]:
    """A new need, checked field by field."""
    title = draft.title.strip()
    raise_all(_draft_problems(draft, title))
    need = Need(
        id=need_id,
        community_id=draft.community_id,
        title=title,
        description=draft.description.strip(),
        category=draft.category,
        target_groups=_groups(draft.target_groups),
        source=draft.source,
        location=draft.location.strip(),
        submitter_id=submitter,
        anonymous=draft.anonymous,
        status=NeedStatus.SUBMITTED,
        created_at=at,
        updated_at=at,
    )
    event = new_event(
        "needs.need.submitted.v1",
        service=SERVICE,
        community=need.community_id,
        subject=need.id,
        time=at,
        data={
            "need_id": need.id,
            "community_id": need.community_id,
            "title": need.title,
            "category": need.category.value,
            "created_on": local_date(need.created_at).isoformat(),
            "target_groups": [group.value for group in need.target_groups],
            "source": need.source.value,
            "anonymous": need.anonymous,
            "status": need.status.value,
            "actor": submitter,  # who, for the audit trail (masked there for all but staff)
        },
    )
    return need, [event]


def _draft_problems(draft: NeedDraft, title: str) -> Iterator[Invalid]:
    """Every rule a submitted need breaks, reported together."""
    if not title:
        yield Invalid("the title must not be empty", field="title")
    for name, value, limit in (
        ("title", title, TITLE_MAX),
        ("description", draft.description, TEXT_MAX),
        ("location", draft.location, 200),
    ):
        if len(value) > limit:
            yield Invalid(f"{name} is longer than {limit} characters", field=name)
    if not draft.community_id:
        yield Invalid("a need belongs to a community", field="communityId")


def _groups(groups: tuple[TargetGroup, ...]) -> tuple[TargetGroup, ...]:
    unique = tuple(dict.fromkeys(groups))
    return unique or (TargetGroup.EVERYONE,)


def _check_text(field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise Invalid(f"{field_name} is longer than {limit} characters", field=field_name)
