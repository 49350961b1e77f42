"""Who may see and do what in the needs service: pure rules over the caller's principal.

``district_id`` is the community's district from the local read model (None when unknown),
so that a district administrator reaches every community of the district.
"""

from __future__ import annotations

from services.common.access import is_staff, require_staff
from services.common.domain import Forbidden
from services.common.identity import Principal, Role
from services.needs.domain.item import ItemStatus

__all__ = [
    "can_see_draft_items",
    "can_see_needs",
    "can_see_submitter",
    "is_staff",
    "require_member",
    "require_staff",
    "require_supporter",
]

_NEED_READERS = (Role.COMMUNITY_STAFF, Role.RESIDENT, Role.ORG_LEADER, Role.DISTRICT_ADMIN)
_SUBMITTERS = (Role.RESIDENT, Role.ORG_LEADER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN)
_SUPPORTERS = (Role.RESIDENT, Role.ORG_LEADER)


def can_see_needs(principal: Principal, community_id: str, district_id: str | None) -> bool:
    """Residents, leaders and staff of the community see its needs; partners see items only."""
    if principal.is_district_admin_of(district_id):
        return True
    return community_id in principal.communities and principal.has_role(*_NEED_READERS)


def can_see_draft_items(principal: Principal, community_id: str, district_id: str | None) -> bool:
    """Drafts are the staff's working copies."""
    return is_staff(principal, community_id, district_id)


def can_see_item(principal: Principal, community_id: str, district_id: str | None, status: ItemStatus) -> bool:
    """Anyone of the community sees published items; drafts only staff."""
    if status is ItemStatus.DRAFT:
        return can_see_draft_items(principal, community_id, district_id)
    return principal.belongs_to(community_id, district_id)


def can_see_submitter(principal: Principal, community_id: str, district_id: str | None, submitter_id: str, anonymous: bool) -> bool:
    """Anonymous to the public, never to staff; a submitter always sees themselves."""
    return principal.subject == submitter_id or not anonymous or is_staff(principal, community_id, district_id)


def require_member(principal: Principal, community_id: str, district_id: str | None) -> None:
    """Raise unless the caller may submit needs in the community."""
    if not (principal.belongs_to(community_id, district_id) and principal.has_role(*_SUBMITTERS)):
        raise Forbidden("you may only submit needs in your own community", field="communityId")


def require_supporter(principal: Principal, community_id: str) -> None:
    """Raise unless the caller is a resident (or organization leader) of the community."""
    if not (community_id in principal.communities and principal.has_role(*_SUPPORTERS)):
        raise Forbidden("only residents of the community may support its needs", field="needId")
