"""Retention periods per district, as each service holding personal data keeps them from orgs' events.

``orgs.district.retention_set.v1`` is kept in one small collection of the consuming service
(one document per district, a newer setting never overwritten by an older one); the retention
sweep asks it which records are past their period: those of a district that set one, by its
period, and those of every other district by the platform's default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.common.event_data import integer, text
from services.common.events import Event
from services.common.places import PlacesReadModel
from services.common.privacy import ERASURE_REQUESTED, RETENTION_SET, retention_cutoff
from services.common.store import Collection, DuplicateKey

__all__ = ["Expired", "RetentionReadModel", "on_privacy_event"]


@dataclass(frozen=True, slots=True)
class Expired:
    """Records made before ``cutoff`` are past their period: in ``community_ids`` (None: any) but not in ``excluded``."""

    cutoff: datetime
    community_ids: Sequence[str] | None = None
    excluded: Sequence[str] = ()

    def filter(self) -> dict[str, object]:
        """The ``community_id`` condition of this scope (empty: every community)."""
        if self.community_ids is not None:
            return {"community_id": {"$in": list(self.community_ids)}}
        if self.excluded:
            return {"community_id": {"$nin": list(self.excluded)}}
        return {}


class RetentionReadModel:
    """Each district's retention period, from orgs' events, with the platform default for the rest."""

    def __init__(self, collection: Collection, places: PlacesReadModel, *, default_days: int) -> None:
        self._collection, self._places, self._default_days = collection, places, default_days

    async def on_retention_set(self, event: Event) -> None:
        """Keep the district's period; an older event never overwrites a newer one (one conditional upsert)."""
        district_id, days = text(event.data, "district_id"), integer(event.data, "days", 0, 36_500)
        try:
            await self._collection.update_one(
                {"_id": district_id, "$or": [{"at": {"$lt": event.time}}, {"at": None}]},
                {"$set": {"days": days, "at": event.time}},
                upsert=True,
            )
        except DuplicateKey:
            return

    async def expired(self, now: datetime) -> list[Expired]:
        """The scopes whose records made before their cutoff are past the retention period."""
        scopes: list[Expired] = []
        districts = await self._collection.find({})
        set_communities: list[str] = []
        for district in districts:
            communities = [place.community_id for place in await self._places.communities_in(district_ids=[district["_id"]])]
            set_communities += communities
            cutoff = retention_cutoff(int(district["days"]), now)
            if cutoff is not None and communities:
                scopes.append(Expired(cutoff, community_ids=communities))
        default = retention_cutoff(self._default_days, now)
        if default is not None:
            scopes.append(Expired(default, excluded=set_communities))
        return scopes


async def on_privacy_event(event: Event, *, erase: Callable[[str], Awaitable[object]], retention: RetentionReadModel) -> bool:
    """A resident's erasure request erases her (``data.person``); a district's retention setting is kept; False for any other event."""
    if event.routing_key == ERASURE_REQUESTED:
        await erase(text(event.data, "person"))
    elif event.routing_key == RETENTION_SET:
        await retention.on_retention_set(event)
    else:
        return False
    return True
