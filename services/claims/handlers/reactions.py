"""Reactions to other services' events: the item boards, organization cards and places read models, and receipts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.claims.domain import BudgetLine, FundSource, totals
from services.claims.handlers.meetings import Meetings
from services.common.bus import UnprocessableEvent
from services.common.event_data import integer, optional_text, text, texts
from services.common.events import Event
from services.common.vocabulary import Category

__all__ = ["Reactions"]


class Reactions(Meetings):
    """Keeping read models from ``needs.item.*`` and ``orgs.org.*`` events, idempotently."""

    async def item_published(self, event: Event) -> None:
        """A new item to claim: its window, eligibility, slots and budget."""
        data = event.data
        window = data.get("claim_window")
        budget = data.get("budget")
        if not isinstance(window, dict) or not isinstance(budget, list):
            raise UnprocessableEvent("needs.item.published.v1 lacks claim_window or budget")
        try:
            lines = [
                BudgetLine(FundSource(line["fund_source"]), integer(line, "amount_fen", 0, 10**13), line.get("source_name"))
                for line in budget
            ]
            opens_at, closes_at = datetime.fromisoformat(text(window, "opens_at")), datetime.fromisoformat(text(window, "closes_at"))
        except (KeyError, TypeError, ValueError) as error:
            raise UnprocessableEvent(f"needs.item.published.v1 has a bad field: {error}") from error
        item_id = text(data, "item_id")
        fields = {
            "community_id": text(data, "community_id"),
            "title": str(data.get("title", "")),
            "category": _category(data),
            "status": "published",
            "eligible_claimant_kinds": texts(data, "eligible_claimant_kinds"),
            "opens_at": opens_at,
            "closes_at": closes_at,
            "slots": integer(data, "slots", 1, 1_000),
            "budget": [line.to_data() for line in lines],
        }
        await self.store.record_published(fields, item_id, event.id, committed=dict.fromkeys(totals(lines), 0))

    async def item_cancelled(self, event: Event) -> None:
        """A cancelled item: no more claims, and its open claims are told why."""
        item_id = text(event.data, "item_id")
        await self.store.record_item_status(item_id, "cancelled", event.id)
        reason = optional_text(event.data, "reason") or "no reason given"
        await self.reject_open_claims(item_id, f"the item was cancelled: {reason}", actor="needs", meeting_id=None, event_id=event.id)

    async def item_status_changed(self, event: Event) -> None:
        """Claimed, in progress, completed, evaluated: kept for display."""
        await self.store.record_item_status(text(event.data, "item_id"), text(event.data, "status"), event.id)

    async def erasure_requested(self, event: Event) -> None:
        """A resident asked for erasure: the claims she made as an individual no longer name her or her team, nor
        carry her account; the ratings she gave keep their score but not her account or comment."""
        person = text(event.data, "person")
        await self.store.anonymise_claimant(person, at=event.time)
        await self.store.personal.unlink(person)

    async def anonymise_expired(self) -> int:
        """The retention sweep: residents' claims older than their district's retention period lose their names; how many now."""
        now = self.now()
        changed = 0
        for scope in await self.store.retention.expired(now):
            changed += await self.store.anonymise_expired(scope, at=now)
            changed += await self.store.personal.anonymise_expired_ratings(scope, at=now)
        return changed

    async def evidence_attached(self, event: Event) -> None:
        """A receipt (发票) attached to a disbursement settles it; other evidence concerns no claim. Idempotent by event id."""
        data = event.data
        if data.get("kind") != "receipt" or data.get("record_type") != "disbursement":
            return
        disbursement_id, evidence_id = text(data, "record_id"), text(data, "evidence_id")
        claim_id = await self.store.claim_id_of_disbursement(event.community, disbursement_id)
        if claim_id is None:
            raise UnprocessableEvent(f"no claim paid disbursement {disbursement_id}")
        at = event.time
        await self.change_claim(
            None, claim_id, lambda claim: (claim.receipt_attached(disbursement_id, evidence_id, at=at), []), event_id=event.id
        )

    async def organization_changed(self, event: Event) -> None:
        """Any ``orgs.org.*`` event carries the organization's snapshot; an older one never overwrites a newer."""
        data = event.data
        fields = {
            "community_id": text(data, "community_id"),
            "served_community_ids": texts(data, "served_community_ids"),
            "kind": text(data, "kind"),
            "status": text(data, "status"),
            "name": str(data.get("name", "")),
            "accounts_linked": bool(data.get("accounts_linked", False)),
            "acting_accounts": texts(data, "acting_accounts") if "acting_accounts" in data else [],
            "member_accounts": texts(data, "member_accounts") if "member_accounts" in data else [],
        }
        await self.store.record_organization(text(data, "organization_id"), fields, event.time)


def _category(data: Mapping[str, Any]) -> str:
    """The item's category from the event (``other`` if an older event lacks it or names an unknown one)."""
    value = data.get("category")
    return value if isinstance(value, str) and value in Category._value2member_map_ else Category.OTHER.value
