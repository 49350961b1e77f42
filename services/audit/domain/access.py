"""Who may read the audit trail: the community's people; only its staff (and district administrators) unmasked."""

from __future__ import annotations

from services.common.access import is_staff
from services.common.domain import Forbidden
from services.common.identity import Principal

__all__ = ["reading"]


def reading(principal: Principal, community_id: str, district_id: str | None, *, field: str) -> bool:
    """Whether the caller sees personal values (True) or masked ones (False); refused outside the community."""
    if is_staff(principal, community_id, district_id) or principal.is_district_admin_of(community_id):
        return True  # a district's own records (its streets, its disclosure period) are chained under its id
    if community_id in principal.communities:
        return False
    raise Forbidden("only the community's people may read its audit trail", field=field)
