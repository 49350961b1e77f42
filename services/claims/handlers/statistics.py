"""Statistics upkeep of the claims service: the rebuild a district administrator asks for."""

from __future__ import annotations

from services.claims.handlers.base import HandlerBase
from services.common.access import require_district_admin
from services.common.identity import Principal
from services.common.store.statistics import Rebuilt

__all__ = ["Statistics"]


class Statistics(HandlerBase):
    """Recounting the claim statistics from the claims."""

    async def rebuild_statistics(self, principal: Principal, district_id: str) -> Rebuilt:
        """A district administrator's rebuild of the counters (Forbidden for anyone else)."""
        require_district_admin(principal, district_id, action="rebuild its statistics")
        return await self.store.tallies.rebuild()
