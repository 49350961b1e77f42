"""Who may see and do what in the orgs service: pure rules over the caller's principal."""

from __future__ import annotations

from collections.abc import Iterable

from services.common.access import is_staff, require_staff
from services.common.domain import Forbidden
from services.common.identity import Principal, Role
from services.orgs.domain.organization import Organization

__all__ = [
    "can_see_organization",
    "is_editor",
    "is_staff",
    "may_grant_service",
    "require_district_admin",
    "require_editor",
    "require_grantor",
    "require_staff",
]

Places = Iterable[tuple[str, str | None]]


def can_see_organization(principal: Principal, communities: Places, requested: Places = ()) -> bool:
    """Anyone of a community the organization belongs to or serves (or its district's administrator).

    The staff of a community it asks to serve see it too, so that they can answer.
    """
    if any(principal.belongs_to(community_id, district_id) for community_id, district_id in communities):
        return True
    return any(is_staff(principal, community_id, district_id) for community_id, district_id in requested)


def is_editor(principal: Principal, organization: Organization, district_id: str | None) -> bool:
    """Staff of its home community, or whoever acts for the organization now (its current leader or management group)."""
    if principal.has_role(Role.ORG_LEADER) and organization.may_act(principal.subject, principal.organization):
        return True
    return is_staff(principal, organization.community_id, district_id)


def require_editor(principal: Principal, organization: Organization, district_id: str | None) -> None:
    """Staff, or whoever acts for the organization now (its current leader or management group), may edit it."""
    if not is_editor(principal, organization, district_id):
        require_staff(principal, organization.community_id, district_id, field="organizationId")


def may_grant_service(principal: Principal, community_id: str, community_district: str | None, home_district: str | None) -> bool:
    """Who grants an organization the right to serve a community: that community's staff, or a district administrator over both."""
    if principal.has_role(Role.COMMUNITY_STAFF) and community_id in principal.communities:
        return True
    return (
        community_district is not None
        and principal.is_district_admin_of(community_district)
        and principal.is_district_admin_of(home_district)
    )


def require_grantor(principal: Principal, community_id: str, community_district: str | None, home_district: str | None) -> None:
    """Raise unless the caller may grant (or decline) serving this community."""
    if not may_grant_service(principal, community_id, community_district, home_district):
        raise Forbidden(
            "only the community's staff, or a district administrator over both communities, answer a request to serve it",
            field="communityId",
        )


def require_district_admin(principal: Principal, district_id: str, *, field: str = "districtId") -> None:
    """Raise unless the caller administers this district."""
    if not principal.is_district_admin_of(district_id):
        raise Forbidden("only the district's administrators may do this", field=field)
