"""The notices worker: fires due reminders and makes the outgoing deliveries, on every replica.

Replicas cooperate through the store alone: each due reminder and each pending delivery is
leased with one conditional update, which only one replica wins; a crash leaves the lease to
expire and another replica to finish the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from services.notices.channels import DeliveryFailed, OutgoingChannel, configured_channels
from services.notices.domain import Channel, Notice
from services.notices.handlers import NoticesHandlers

__all__ = ["NoticesWorker"]

log = logging.getLogger(__name__)


class NoticesWorker:
    """Runs :meth:`run_once` at start-up and every ``notices_poll_s``."""

    def __init__(self, handlers: NoticesHandlers, *, clock: Callable[[], datetime]) -> None:
        self._handlers = handlers
        self._settings = handlers.settings
        self._clock = clock
        self._http: httpx.AsyncClient | None = None
        self._channels: dict[Channel, OutgoingChannel] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the HTTP client, build the configured channels, start the loop."""
        self._http = httpx.AsyncClient(timeout=self._settings.notices_http_timeout_s, follow_redirects=False)
        self._channels = configured_channels(self._settings, self._http, self._clock)
        self._task = asyncio.create_task(self._loop(), name="notices-worker")

    async def stop(self) -> None:
        """Stop the loop; what is pending stays in the store."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.aclose()

    async def run_once(self) -> tuple[int, int]:
        """Fire due reminders, then attempt due deliveries; how many of each."""
        fired = await self._handlers.fire_due()
        return fired, await self.deliver_due()

    async def deliver_due(self, *, limit: int = 50) -> int:
        """Attempt each due outgoing delivery once; how many notices were attempted."""
        store = self._handlers.store
        now = self._clock()
        attempted = 0
        for notice in await store.due_deliveries(now, limit=limit):
            if await store.lease_delivery(notice.id, now, timedelta(seconds=self._settings.notices_lease_s)):
                await self._deliver(notice)
                attempted += 1
        return attempted

    async def _deliver(self, notice: Notice) -> None:
        store = self._handlers.store
        preferences = await store.person_preferences(notice.recipient)
        attempts = await store.attempts(notice.id) + 1
        for channel in notice.pending_channels:
            adapter = self._channels.get(channel)
            if adapter is None:
                await store.delivery_failed(notice.id, channel, retry_at=None, error="not configured in this deployment")
                continue
            try:
                await adapter.send(notice, preferences)
            except DeliveryFailed as failure:
                give_up = not failure.retry or attempts >= self._settings.notices_max_attempts
                delay = timedelta(seconds=self._settings.notices_retry_base_s * 2 ** (attempts - 1))
                await store.delivery_failed(notice.id, channel, retry_at=None if give_up else self._clock() + delay, error=str(failure))
                continue
            await store.delivered(notice.id, channel)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("notices round failed; retrying on the next one")
            await asyncio.sleep(self._settings.notices_poll_s)
