"""Waking this process's waiters (subscriptions, dispatchers) when something new is stored; a poll covers other replicas."""

from __future__ import annotations

import asyncio

__all__ = ["Wakeup"]


class Wakeup:
    """``notify`` wakes every current ``wait``; a wait also ends after ``within`` seconds (the poll)."""

    def __init__(self) -> None:
        self._condition = asyncio.Condition()

    async def notify(self) -> None:
        """Something new was stored."""
        async with self._condition:
            self._condition.notify_all()

    async def wait(self, within: float) -> None:
        """Until something is stored, or ``within`` seconds."""
        try:
            async with asyncio.timeout(within), self._condition:
                await self._condition.wait()
        except TimeoutError:
            return
