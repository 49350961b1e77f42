"""Mapping between the needs domain's aggregates and their MongoDB documents."""

from __future__ import annotations

from typing import Any

from services.common.store import Document
from services.common.store.dates import aware, day_from_bson, day_to_bson
from services.common.store.history import history_from_documents, history_to_documents
from services.common.store.search import SEARCH_GRAMS, grams_of
from services.needs.domain import (
    BudgetLine,
    Category,
    ClaimantKind,
    ClaimWindow,
    FundSource,
    ItemDraft,
    ItemKind,
    ItemStatus,
    Need,
    NeedSource,
    NeedStatus,
    Priority,
    Schedule,
    ServiceItem,
    SupportKind,
    TargetGroup,
)

__all__ = ["item_from_document", "item_to_fields", "need_from_document", "need_to_fields"]


def need_to_fields(need: Need) -> dict[str, Any]:
    """Every domain field of a need (not ``_id``, ``version``, outbox or handled events)."""
    return {
        "community_id": need.community_id,
        "title": need.title,
        "description": need.description,
        "category": need.category.value,
        "target_groups": [group.value for group in need.target_groups],
        "source": need.source.value,
        "location": need.location,
        "submitter_id": need.submitter_id,
        "anonymous": need.anonymous,
        "status": need.status.value,
        "created_at": need.created_at,
        "updated_at": need.updated_at,
        "supporter_ids": list(need.supporter_ids),
        "support_count": need.support_count,
        "priority": need.priority.value,
        "analysis_note": need.analysis_note,
        "rejection_reason": need.rejection_reason,
        "merged_into": need.merged_into,
        "item_id": need.item_id,
        "history": history_to_documents(need.history),
        SEARCH_GRAMS: grams_of((need.title, need.description)),
    }


def need_from_document(document: Document) -> Need:
    """A need as the domain sees it."""
    return Need(
        id=document["_id"],
        community_id=document["community_id"],
        title=document["title"],
        description=document["description"],
        category=Category(document["category"]),
        target_groups=tuple(TargetGroup(group) for group in document["target_groups"]),
        source=NeedSource(document["source"]),
        location=document["location"],
        submitter_id=document["submitter_id"],
        anonymous=document["anonymous"],
        status=NeedStatus(document["status"]),
        created_at=aware(document["created_at"]),
        updated_at=aware(document["updated_at"]),
        supporter_ids=tuple(document["supporter_ids"]),
        priority=Priority(document["priority"]),
        analysis_note=document["analysis_note"],
        rejection_reason=document.get("rejection_reason"),
        merged_into=document.get("merged_into"),
        item_id=document.get("item_id"),
        history=history_from_documents(document["history"], NeedStatus),
        version=document["version"],
    )


def item_to_fields(item: ServiceItem) -> dict[str, Any]:
    """Every domain field of a service item."""
    draft = item.draft
    return {
        "community_id": draft.community_id,
        "need_ids": list(draft.need_ids),
        "kind": draft.kind.value,
        "category": draft.category.value,
        "title": draft.title,
        "description": draft.description,
        "goals": list(draft.goals),
        "target_groups": [group.value for group in draft.target_groups],
        "budget": [line.to_data() for line in draft.budget],
        "total_fen": item.total_fen,
        "schedule": {
            "starts_on": day_to_bson(draft.schedule.starts_on),
            "ends_on": day_to_bson(draft.schedule.ends_on),
            "note": draft.schedule.note,
        },
        "claim_window": {"opens_at": draft.claim_window.opens_at, "closes_at": draft.claim_window.closes_at},
        "eligible_claimant_kinds": sorted(kind.value for kind in draft.eligible_claimant_kinds),
        "support_offered": sorted(kind.value for kind in draft.support_offered),
        "slots": draft.slots,
        "status": item.status.value,
        "created_by": item.created_by,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "published_at": item.published_at,
        "cancel_reason": item.cancel_reason,
        "approved_claim_ids": list(item.approved_claim_ids),
        "started_claim_ids": list(item.started_claim_ids),
        "completed_claim_ids": list(item.completed_claim_ids),
        "evaluated_claim_ids": list(item.evaluated_claim_ids),
        "terminated_claim_ids": list(item.terminated_claim_ids),
        "history": history_to_documents(item.history),
        SEARCH_GRAMS: grams_of((draft.title, draft.description)),
    }


def item_from_document(document: Document) -> ServiceItem:
    """A service item as the domain sees it."""
    schedule = document["schedule"]
    window = document["claim_window"]
    draft = ItemDraft(
        community_id=document["community_id"],
        need_ids=tuple(document["need_ids"]),
        kind=ItemKind(document["kind"]),
        category=Category(document["category"]),
        title=document["title"],
        description=document["description"],
        goals=tuple(document["goals"]),
        target_groups=tuple(TargetGroup(group) for group in document["target_groups"]),
        budget=tuple(
            BudgetLine(FundSource(line["fund_source"]), line["amount_fen"], line.get("source_name")) for line in document["budget"]
        ),
        schedule=Schedule(day_from_bson(schedule["starts_on"]), day_from_bson(schedule["ends_on"]), schedule["note"]),
        claim_window=ClaimWindow(aware(window["opens_at"]), aware(window["closes_at"])),
        eligible_claimant_kinds=frozenset(ClaimantKind(kind) for kind in document["eligible_claimant_kinds"]),
        support_offered=frozenset(SupportKind(kind) for kind in document["support_offered"]),
        slots=document["slots"],
    )
    published_at = document.get("published_at")
    return ServiceItem(
        id=document["_id"],
        draft=draft,
        status=ItemStatus(document["status"]),
        created_by=document["created_by"],
        created_at=aware(document["created_at"]),
        updated_at=aware(document["updated_at"]),
        published_at=aware(published_at) if published_at is not None else None,
        cancel_reason=document.get("cancel_reason"),
        approved_claim_ids=tuple(document["approved_claim_ids"]),
        started_claim_ids=tuple(document["started_claim_ids"]),
        completed_claim_ids=tuple(document["completed_claim_ids"]),
        evaluated_claim_ids=tuple(document["evaluated_claim_ids"]),
        terminated_claim_ids=tuple(document.get("terminated_claim_ids", ())),
        history=history_from_documents(document["history"], ItemStatus),
        version=document["version"],
    )
