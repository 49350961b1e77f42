"""Who sees which events, declared in one place.

Community staff see every event of their communities, district administrators every event of
their districts. Everyone else of a community (partners, organization leaders, residents) sees
only the public events listed in :data:`PUBLIC_EVENTS`, and only of the communities in their token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.common.identity import Principal, Role

__all__ = ["PUBLIC_EVENTS", "Scope", "scope_of"]

PUBLIC_EVENTS = frozenset(
    {
        "needs.item.published.v1",
        "needs.item.cancelled.v1",
        "claims.claim.approved.v1",
        "claims.meeting.concluded.v1",
        "claims.project.completed.v1",
        "claims.project.evaluated.v1",
        "orgs.org.registered.v1",
        "orgs.community.registered.v1",
    }
)
PUBLIC_ROLES = (Role.PARTNER, Role.ORG_LEADER, Role.RESIDENT)


@dataclass(frozen=True, slots=True)
class Scope:
    """Communities whose every event is visible, and communities whose public events are."""

    full: frozenset[str]
    public: frozenset[str]

    def allows(self, community: str, routing_key: str) -> bool:
        """May this event be shown?"""
        return community in self.full or (community in self.public and routing_key in PUBLIC_EVENTS)

    def narrowed(self, communities: Iterable[str] | None) -> Scope:
        """The same scope limited to the communities asked for."""
        if communities is None:
            return self
        asked = frozenset(communities)
        return Scope(self.full & asked, self.public & asked)

    def mongo_filter(self, types: Iterable[str] | None = None) -> dict[str, Any]:
        """The store filter selecting exactly the visible events (optionally of some types)."""
        branches: list[dict[str, Any]] = []
        if self.full:
            branches.append({"community": {"$in": sorted(self.full)}})
        if self.public:
            branches.append({"community": {"$in": sorted(self.public)}, "routing_key": {"$in": sorted(PUBLIC_EVENTS)}})
        filter: dict[str, Any] = {"$or": branches} if branches else {"community": {"$in": []}}
        if types is not None:
            filter = {"$and": [filter, {"routing_key": {"$in": sorted(types)}}]}
        return filter


def scope_of(principal: Principal, places: Iterable[tuple[str, str | None]]) -> Scope:
    """The caller's scope over the communities they belong to or administer (``(community, district)`` pairs)."""
    full: set[str] = set()
    public: set[str] = set()
    for community, district in places:
        if principal.is_district_admin_of(district) or (principal.has_role(Role.COMMUNITY_STAFF) and community in principal.communities):
            full.add(community)
        elif community in principal.communities and principal.has_role(*PUBLIC_ROLES):
            public.add(community)
    return Scope(frozenset(full), frozenset(public))
