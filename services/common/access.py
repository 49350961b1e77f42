"""Access rules every service shares: who counts as a community's staff.

Each service checks access itself with these and its own rules (see its ``domain/access.py``).
"""

from __future__ import annotations

from services.common.domain import Forbidden
from services.common.identity import Principal, Role

__all__ = ["is_staff", "require_district_admin", "require_staff"]


def is_staff(principal: Principal, community_id: str, district_id: str | None) -> bool:
    """Community staff of this community, or an administrator of its district."""
    if principal.is_district_admin_of(district_id):
        return True
    return principal.has_role(Role.COMMUNITY_STAFF) and community_id in principal.communities


def require_staff(principal: Principal, community_id: str, district_id: str | None, *, field: str = "communityId") -> None:
    """Raise unless the caller is staff of the community."""
    if not is_staff(principal, community_id, district_id):
        raise Forbidden("only the community's staff may do this", field=field)


def require_district_admin(principal: Principal, district_id: str, *, action: str, field: str = "districtId") -> None:
    """Raise unless the caller administers this district (statistics rebuilds, district-wide upkeep)."""
    if not principal.is_district_admin_of(district_id):
        raise Forbidden(f"only an administrator of this district may {action}", field=field)
