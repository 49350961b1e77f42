"""Per-caller rate limiting at the edge (the ``limits`` library, moving window).

A caller is the subject of a verified token, or the client address when there is none. The
window lives in the gateway's memory by default (a limit per replica); ``RATE_LIMIT_STORAGE``
may point every replica at one shared store (e.g. ``redis://…``, with the ``limits[redis]`` extra).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

__all__ = ["RateLimiter"]


class RateLimiter:
    """Admits a caller's request, or says how many seconds to wait; ``rate`` like ``600/minute``."""

    def __init__(self, rate: str, storage_url: str = "memory://", *, per: str = "caller") -> None:
        self.rate: RateLimitItem = parse(rate)
        self.per = per
        storage = storage_from_string(storage_url if storage_url.startswith("async+") else f"async+{storage_url}")
        self._strategy = MovingWindowRateLimiter(storage)

    async def admit(self, caller: str) -> float | None:
        """``None`` when the request may go on, else the seconds until the caller may try again."""
        if await self._strategy.hit(self.rate, caller):
            return None
        stats = await self._strategy.get_window_stats(self.rate, caller)
        return max(1.0, math.ceil(stats.reset_time - time.time()))

    def refusal(self, wait: float) -> dict[str, object]:
        """The GraphQL error telling a caller over the limit when to come back."""
        message = f"too many requests: the limit is {self.rate} per {self.per}; try again in {wait:.0f} s"
        return {"message": message, "extensions": {"code": "RATE_LIMITED", "retryAfterSeconds": wait}}
