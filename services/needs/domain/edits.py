"""Events of the changes to a need or an item that move no status: classification, edits, support.

A status transition has its own event (with ``status`` and ``previous_status``); the other
changes staff and residents make — classifying a need (分类分析), the submitter's edit,
supporting it or taking the support back, the supporters a merge carries over, revising an
item's draft — are announced here, each with the old and new value of every field it changed
(``changes: {field: {"old", "new"}}``) and who made it, in the same atomic update as the change
(the outbox). A change that changes nothing announces nothing.

Each event also carries what a statistics consumer needs without calling back: the record's
community, its creation day (``created_on``, in the district's time zone), its status, and its
category before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.changes import field_changes
from services.common.domain import local_date
from services.common.events import Event, new_event
from services.needs.domain.item import ServiceItem
from services.needs.domain.need import Need

__all__ = [
    "ITEM_REVISED",
    "NEED_CLASSIFIED",
    "NEED_REVISED",
    "NEED_SUPPORTED",
    "NEED_SUPPORTERS_CARRIED",
    "NEED_SUPPORT_WITHDRAWN",
    "item_edited",
    "item_view",
    "need_edited",
    "need_view",
]

SERVICE = "needs"
NEED_CLASSIFIED = "needs.need.classified.v1"
NEED_REVISED = "needs.need.revised.v1"
NEED_SUPPORTED = "needs.need.supported.v1"
NEED_SUPPORT_WITHDRAWN = "needs.need.support_withdrawn.v1"
NEED_SUPPORTERS_CARRIED = "needs.need.supporters_carried.v1"
ITEM_REVISED = "needs.item.revised.v1"


def need_view(need: Need) -> dict[str, Any]:
    """The fields of a need such changes touch (supporters as a count: who supports is personal)."""
    return {
        "title": need.title,
        "description": need.description,
        "category": need.category,
        "target_groups": need.target_groups,
        "location": need.location,
        "anonymous": need.anonymous,
        "priority": need.priority,
        "analysis_note": need.analysis_note,
        "support_count": need.support_count,
    }


def need_edited(before: Need, after: Need, routing_key: str, *, actor: str, at: datetime) -> list[Event]:
    """The event of a change from ``before`` to ``after`` (none if no field changed)."""
    changes = field_changes(need_view(before), need_view(after))
    if not changes:
        return []
    data = {
        "need_id": after.id,
        "community_id": after.community_id,
        "title": after.title,
        "category": after.category.value,
        "previous_category": before.category.value,
        "status": after.status.value,
        "created_at": after.created_at.isoformat(),
        "created_on": local_date(after.created_at).isoformat(),
        "support_count": after.support_count,
        "actor": actor,
        "changes": changes,
    }
    return [new_event(routing_key, service=SERVICE, community=after.community_id, subject=after.id, time=at, data=data)]


def item_view(item: ServiceItem) -> dict[str, Any]:
    """The fields of an item's draft a revision may change (its needs and community stay)."""
    draft = item.draft
    return {
        "kind": draft.kind,
        "category": draft.category,
        "title": draft.title,
        "description": draft.description,
        "goals": draft.goals,
        "target_groups": draft.target_groups,
        "budget": [line.to_data() for line in draft.budget],
        "schedule": draft.schedule,
        "claim_window": draft.claim_window,
        "eligible_claimant_kinds": draft.eligible_claimant_kinds,
        "support_offered": draft.support_offered,
        "slots": draft.slots,
    }


def item_edited(before: ServiceItem, after: ServiceItem, routing_key: str, *, actor: str, at: datetime) -> list[Event]:
    """The event of a revision from ``before`` to ``after`` (none if no field changed).

    It carries no ``previous_status``: a revision is not a transition.
    """
    changes = field_changes(item_view(before), item_view(after))
    if not changes:
        return []
    data = {
        "item_id": after.id,
        "community_id": after.community_id,
        "need_ids": list(after.draft.need_ids),
        "kind": after.draft.kind.value,
        "category": after.draft.category.value,
        "previous_category": before.draft.category.value,
        "status": after.status.value,
        "created_at": after.created_at.isoformat(),
        "created_on": local_date(after.created_at).isoformat(),
        "total_fen": after.total_fen,
        "previous_total_fen": before.total_fen,
        "actor": actor,
        "changes": changes,
    }
    return [new_event(routing_key, service=SERVICE, community=after.community_id, subject=after.id, time=at, data=data)]
