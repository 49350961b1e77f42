"""The people service's read models, kept from other services' events: items, needs and organizations.

Each write records the event id in the document it changes, in the same conditional update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from services.common.store import Collection, DuplicateKey

__all__ = ["ReadModels"]


class ReadModels:
    """Operations on the read-model collections (mixed into the store, which opens them)."""

    items: Collection
    claims: Collection
    needs: Collection
    organizations: Collection

    async def record_item(self, item_id: str, fields: dict[str, Any], event_id: str) -> None:
        """Keep what the people service needs of a service item (idempotent by event id)."""
        await self._upsert(self.items, item_id, fields, event_id)

    async def item(self, item_id: str) -> dict[str, Any] | None:
        """The item's read model."""
        return await self.items.find_one({"_id": item_id})

    async def items_of_claim(self, claim_id: str) -> list[str]:
        """The item a claim was approved for."""
        return [document["_id"] for document in await self.items.find({"claim_id": claim_id}, projection={"_id": 1})]

    async def record_need(self, need_id: str, fields: dict[str, Any], event_id: str) -> None:
        """Keep a need's title and status for matching (idempotent by event id)."""
        await self._upsert(self.needs, need_id, fields, event_id)

    async def open_needs(self, community_id: str, statuses: Sequence[str], *, limit: int = 2_000) -> list[dict[str, Any]]:
        """The community's needs in these statuses (the candidates for "similar needs")."""
        return await self.needs.find({"community_id": community_id, "status": {"$in": list(statuses)}}, limit=limit)

    async def open_items(self, community_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Published items (open for claiming) of these communities."""
        return await self.items.find({"community_id": {"$in": list(community_ids)}, "status": "published"}, limit=2_000)

    async def items_by_ids(self, item_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Several items' read models."""
        return {document["_id"]: document for document in await self.items.find({"_id": {"$in": list(item_ids)}})}

    async def record_org(self, organization_id: str, fields: dict[str, Any], event_id: str) -> None:
        """Keep an organization's profile for matching (idempotent by event id)."""
        await self._upsert(self.organizations, organization_id, fields, event_id)

    async def org_claimed(self, organization_id: str, community_id: str, item_id: str, event_id: str) -> None:
        """An approved claim of the organization: its item counts in the track record."""
        try:
            await self.organizations.update_one(
                {"_id": organization_id, "handled_events": {"$ne": event_id}},
                {
                    "$addToSet": {"claimed_items": item_id},
                    "$setOnInsert": {"community_id": community_id},
                    "$push": {"handled_events": event_id},
                },
                upsert=True,
            )
        except DuplicateKey:
            return

    async def org_scored(self, organization_id: str, community_id: str, claim_id: str, score: float, event_id: str) -> None:
        """An evaluation's score (0–100) in the organization's track record."""
        try:
            await self.organizations.update_one(
                {"_id": organization_id, "handled_events": {"$ne": event_id}},
                {
                    "$set": {f"scores.{claim_id}": score},
                    "$setOnInsert": {"community_id": community_id},
                    "$push": {"handled_events": event_id},
                },
                upsert=True,
            )
        except DuplicateKey:
            return

    async def organization(self, organization_id: str) -> dict[str, Any] | None:
        """An organization's read model."""
        return await self.organizations.find_one({"_id": organization_id})

    async def organizations_serving(self, community_id: str) -> list[dict[str, Any]]:
        """The community's organizations and those serving it."""
        return await self.organizations.find({"$or": [{"community_id": community_id}, {"served": community_id}]}, limit=2_000)

    async def record_claimant(self, claim_id: str, community_id: str, claimant: str, event_id: str) -> None:
        """The person who submitted a claim."""
        await self._upsert(self.claims, claim_id, {"community_id": community_id, "claimant": claimant}, event_id)

    async def claimant(self, claim_id: str) -> str | None:
        """The person who submitted a claim, if seen."""
        document = await self.claims.find_one({"_id": claim_id}, projection={"claimant": 1})
        return str(document["claimant"]) if document else None

    async def _upsert(self, collection: Collection, record_id: str, fields: dict[str, Any], event_id: str) -> None:
        try:
            await collection.update_one(
                {"_id": record_id, "handled_events": {"$ne": event_id}},
                {"$set": fields, "$push": {"handled_events": event_id}},
                upsert=True,
            )
        except DuplicateKey:
            return  # the record exists and has handled this event
