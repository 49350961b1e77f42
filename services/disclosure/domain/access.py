"""Who may do what in the disclosure service: the 公示 is for anyone, reports for the community's staff."""

from __future__ import annotations

from collections.abc import Iterable

from services.common.access import is_staff
from services.common.domain import Forbidden
from services.common.identity import Principal

__all__ = ["require_district_admin", "require_report_reader"]


def require_district_admin(principal: Principal, district_id: str) -> None:
    """Only the district's administrators set its disclosure period."""
    if not principal.is_district_admin_of(district_id):
        raise Forbidden("only the district's administrators set its disclosure period", field="districtId")


def require_report_reader(principal: Principal, communities: Iterable[tuple[str, str | None]], *, field: str) -> None:
    """A report covers only communities whose staff (or district administrator) the caller is."""
    if not all(is_staff(principal, community_id, district_id) for community_id, district_id in communities):
        raise Forbidden("only the staff of every community in the report may read it", field=field)
