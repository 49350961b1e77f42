"""Matching use cases: the organizations likely to claim an item (for staff), the items that fit an organization."""

from __future__ import annotations

from typing import Any

from services.common.domain import Forbidden, NotFound
from services.common.identity import Principal, Role
from services.people.domain import access
from services.people.domain.claimants import ItemProfile, OrgProfile, Suggestion, rank
from services.people.store import PeopleStore

__all__ = ["MatchingHandlers"]


class MatchingHandlers:
    """Suggestions, each explained."""

    def __init__(self, store: PeopleStore) -> None:
        self.store = store

    async def claimants_for(self, principal: Principal, item_id: str, *, first: int) -> list[tuple[Suggestion, str]]:
        """For staff: the organizations most likely to claim a published item, with their names."""
        item = await self.store.item(item_id)
        if item is None or not principal.belongs_to(item["community_id"], await self.store.places.district_of(item["community_id"])):
            raise NotFound("no such published service item", field="itemId")
        access.require_staff(principal, item["community_id"], await self.store.places.district_of(item["community_id"]))
        organizations = await self.store.organizations_serving(item["community_id"])
        profiles = [await self._org(document) for document in organizations if document.get("name")]
        ranked = rank([(_item(item), org) for org in profiles], key="org", limit=_limit(first))
        names = {org.id: org.name for org in profiles}
        return [(suggestion, names[suggestion.id]) for suggestion in ranked]

    async def items_for(self, principal: Principal, organization_id: str, *, first: int) -> list[tuple[Suggestion, str]]:
        """For an organization's leader (or staff of its community): the open items that fit it, with their titles."""
        document = await self.store.organization(organization_id)
        if document is None or not document.get("name"):
            raise NotFound("no such organization", field="organizationId")
        community = document["community_id"]
        leads = principal.has_role(Role.ORG_LEADER) and principal.organization == organization_id
        if not leads and not access.is_staff(principal, community, await self.store.places.district_of(community)):
            raise Forbidden("only the organization's leader or its community's staff see its suggestions", field="organizationId")
        org = await self._org(document)
        items = await self.store.open_items([community, *org.served])
        ranked = rank([(_item(item), org) for item in items], key="item", limit=_limit(first))
        titles = {item["_id"]: str(item.get("title", "")) for item in items}
        return [(suggestion, titles[suggestion.id]) for suggestion in ranked]

    async def _org(self, document: dict[str, Any]) -> OrgProfile:
        claimed = await self.store.items_by_ids(document.get("claimed_items", ()))
        categories: dict[str, int] = {}
        for item in claimed.values():
            if item.get("category"):
                categories[item["category"]] = categories.get(item["category"], 0) + 1
        return OrgProfile(
            id=document["_id"],
            community_id=document["community_id"],
            name=document.get("name", ""),
            kind=document.get("kind", ""),
            status=document.get("status", ""),
            stage=document.get("stage", ""),
            fields=frozenset(document.get("fields", ())),
            served=frozenset(document.get("served", ())),
            claimed_categories=categories,
            scores=tuple(float(score) for score in (document.get("scores") or {}).values()),
        )


def _item(document: dict[str, Any]) -> ItemProfile:
    return ItemProfile(
        id=document["_id"],
        community_id=document["community_id"],
        title=str(document.get("title", "")),
        category=str(document.get("category") or "other"),
        eligible_kinds=frozenset(document.get("eligible_claimant_kinds") or ()),
    )


def _limit(first: int) -> int:
    return max(1, min(first, 20))
