"""Who may do what in the people service, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.domain import Forbidden
from services.common.identity import Principal, Role

__all__ = ["is_organizer", "is_staff", "require_member", "require_organizer", "require_staff"]


def is_staff(principal: Principal, community_id: str, district_id: str | None) -> bool:
    """The community's staff, or its district's administrator."""
    return principal.is_district_admin_of(district_id) or (
        principal.has_role(Role.COMMUNITY_STAFF) and community_id in principal.communities
    )


def require_staff(principal: Principal, community_id: str, district_id: str | None) -> None:
    """:class:`Forbidden` unless staff of the community."""
    if not is_staff(principal, community_id, district_id):
        raise Forbidden("only the community's staff may do this", field="communityId")


def require_member(principal: Principal, community_id: str, district_id: str | None) -> None:
    """:class:`Forbidden` unless the caller belongs to the community."""
    if not principal.belongs_to(community_id, district_id):
        raise Forbidden("you do not belong to this community", field="communityId")


def is_organizer(principal: Principal, item: Mapping[str, Any], district_id: str | None) -> bool:
    """Staff of the item's community, or the claimant whose claim on it was approved (its person or organization leader)."""
    if is_staff(principal, item["community_id"], district_id):
        return True
    if item["community_id"] not in principal.communities:
        return False
    if item.get("claimant_subject") == principal.subject:
        return True
    organization = item.get("organization_id")
    return bool(organization) and principal.has_role(Role.ORG_LEADER) and principal.organization == organization


def require_organizer(principal: Principal, item: Mapping[str, Any], district_id: str | None) -> None:
    """:class:`Forbidden` unless the caller organizes the item's sessions."""
    if not is_organizer(principal, item, district_id):
        raise Forbidden("only the item's organizer (community staff or the approved claimant) may do this", field="sessionId")
