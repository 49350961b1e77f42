"""Who may see and do what in the orgs service: pure rules over the caller's principal."""

from __future__ import annotations

from collections.abc import Iterable

from services.common.access import is_staff, require_staff
from services.common.domain import Forbidden
from services.common.identity import Principal, Role
from services.orgs.domain.organization import Organization

__all__ = ["can_see_organization", "is_staff", "require_district_admin", "require_editor", "require_staff"]


def can_see_organization(principal: Principal, communities: Iterable[tuple[str, str | None]]) -> bool:
    """Anyone of a community the organization belongs to or serves (or its district's administrator)."""
    return any(principal.belongs_to(community_id, district_id) for community_id, district_id in communities)


def require_editor(principal: Principal, organization: Organization, district_id: str | None) -> None:
    """Staff, or whoever acts for the organization now (its current leader or management group), may edit it."""
    if principal.has_role(Role.ORG_LEADER) and organization.may_act(principal.subject, principal.organization):
        return
    require_staff(principal, organization.community_id, district_id, field="organizationId")


def require_district_admin(principal: Principal, district_id: str, *, field: str = "districtId") -> None:
    """Raise unless the caller administers this district."""
    if not principal.is_district_admin_of(district_id):
        raise Forbidden("only the district's administrators may do this", field=field)
