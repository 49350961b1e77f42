"""The disclosure service consumes the other services' events (its own durable queue) into the public read model.

Each event updates at most one record (idempotent by event id) and adds its report facts
(idempotent by ``<event id>:<n>``); both steps run on every delivery, so a delivery cut short
between them is completed by the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.common.bus import Subscription
from services.common.event_data import optional_text, text
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.disclosure.domain import CLOSED_ITEM_STATES, Fact, claimant_label, facts_of
from services.disclosure.store import DisclosureStore

__all__ = ["BINDINGS", "DisclosureConsumers"]

BINDINGS = ("needs.#", "claims.#", "orgs.#")


class DisclosureConsumers:
    """Routes each event to its read-model record and its report facts."""

    def __init__(self, store: DisclosureStore) -> None:
        self._store = store

    def subscription(self) -> Subscription:
        """The disclosure service's consumer, bound to every service's events."""
        return Subscription(consumer="disclosure", bindings=BINDINGS, handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Add the event's facts (decided from the records as they were before it), then update the record it is about."""
        await self._store.add_facts(event, await self._facts(event))
        key = event.routing_key
        if key == COMMUNITY_REGISTERED:
            await self._store.places.on_community_registered(event)
        elif key.startswith("orgs.org."):
            await self._organization(event)
        elif key.startswith("needs.item.") and key not in ("needs.item.drafted.v1", "needs.item.revised.v1"):  # drafts are not public
            await self._item(event)
        elif key.startswith("claims.meeting."):
            await self._meeting(event)
        elif key.startswith("claims.") and "claim_id" in event.data:
            await self._claim(event)

    async def _facts(self, event: Event) -> list[Fact]:
        if not event.routing_key.startswith("claims."):
            return facts_of(event, item_category=None, item_title=None, claimant=None)
        item_id, claim_id = optional_text(event.data, "item_id"), optional_text(event.data, "claim_id")
        item = await self._store.record(self._store.items, item_id) if item_id else None
        claim = await self._store.record(self._store.claims, claim_id) if claim_id else None
        organization_id = optional_text(event.data, "organization_id")
        names = await self._store.organization_names([organization_id] if organization_id else [])
        return facts_of(
            event,
            item_category=item.get("category") if item else None,
            item_title=item.get("title") if item else None,
            claimant=claimant_label(str(event.data.get("claimant_kind", "")), names.get(organization_id or "")),
            claim_status=claim.get("status") if claim else None,
        )

    async def _item(self, event: Event) -> None:
        data = event.data
        status = text(data, "status")
        fields: dict[str, Any] = {"status": status, "category": _upper(data.get("category"))}
        if event.routing_key == "needs.item.published.v1":
            fields |= {
                "title": text(data, "title"),
                "kind": _upper(data.get("kind")),
                "budget": [
                    {"fund_source": _upper(line.get("fund_source")), "amount_fen": int(line.get("amount_fen", 0))} for line in _lines(data)
                ],
                "published_at": event.time,
                "closed_at": None,
            }
        if status in CLOSED_ITEM_STATES:
            fields["closed_at"] = event.time
        await self._store.apply(self._store.items, text(data, "item_id"), event, set=fields)

    async def _claim(self, event: Event) -> None:
        data, key = event.data, event.routing_key
        fields: dict[str, Any] = {
            "item_id": text(data, "item_id"),
            "organization_id": optional_text(data, "organization_id"),
            "claimant_kind": str(data.get("claimant_kind", "")),
            "status": text(data, "status"),
        }
        inc: dict[str, Any] = {}
        push: dict[str, Any] = {}
        if key == "claims.claim.approved.v1":
            fields |= {
                "approved_at": event.time,
                "approved_budget": [
                    {"fund_source": _upper(line.get("fund_source")), "amount_fen": int(line.get("amount_fen", 0))} for line in _lines(data)
                ],
            }
        elif key == "claims.project.progress_reported.v1":
            inc["volunteer_hours"] = float(data.get("volunteer_hours") or 0)
        elif key == "claims.project.funds_disbursed.v1":
            push["disbursements"] = {
                "id": str(data.get("disbursement_id", "")),
                "on": str(data.get("on", "")),
                "fund_source": _upper(data.get("fund_source")),
                "amount_fen": int(data.get("amount_fen") or 0),
            }
        elif key == "claims.project.evaluated.v1":
            fields |= {"score": data.get("score"), "grade": _upper(data.get("grade"))}
        await self._store.apply(self._store.claims, text(data, "claim_id"), event, set=fields, inc=inc, push=push)

    async def _meeting(self, event: Event) -> None:
        data = event.data
        fields: dict[str, Any] = {"scheduled_at": datetime.fromisoformat(text(data, "scheduled_at"))}
        if event.routing_key == "claims.meeting.concluded.v1":
            decisions = data.get("decisions") if isinstance(data.get("decisions"), list) else []
            fields |= {
                "concluded_at": event.time,
                "minutes": str(data.get("minutes") or ""),
                "public_minutes": str(data.get("public_minutes") or ""),
                "decisions": [
                    {"claim_id": str(d.get("claim_id", "")), "item_id": str(d.get("item_id", "")), "outcome": _upper(d.get("outcome"))}
                    for d in decisions or []
                    if isinstance(d, Mapping)
                ],
            }
        await self._store.apply(self._store.meetings, text(data, "meeting_id"), event, set=fields)

    async def _organization(self, event: Event) -> None:
        data = event.data
        fields: dict[str, Any] = {"name": text(data, "name"), "kind": _upper(data.get("kind")), "status": _upper(data.get("status"))}
        push: dict[str, Any] = {}
        if event.routing_key == "orgs.org.registered.v1":
            fields["founded_on"] = text(data, "founded_on")
        if event.routing_key in ("orgs.org.registered.v1", "orgs.org.stage_changed.v1"):
            push["stages"] = {"at": event.time, "stage": _upper(data.get("stage"))}
        await self._store.apply(self._store.organizations, text(data, "organization_id"), event, set=fields, push=push)


def _upper(value: object) -> str:
    return value.upper() if isinstance(value, str) and value else "UNKNOWN"


def _lines(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    budget = data.get("budget")
    return [line for line in budget if isinstance(line, Mapping)] if isinstance(budget, list) else []
