"""The live end of the feed, read once per process for all of its subscriptions.

A thousand subscriptions each reading the store after every event would be a thousand queries
per event. The tail reads what is new once — the entries after the last one it holds, when this
process records an event (:meth:`FeedTail.poke`) and every ``poll_s`` for what other replicas
wrote — and keeps the newest ``keep`` entries in memory; each subscription takes from them what
its scope and types allow (:meth:`FeedTail.after`). A subscription further behind than the tail
holds (one resuming from an old cursor) reads the store itself, up to the tail's end, and is then
served by the tail. Entries leave the tail after ``KEPT_S`` seconds as well: a subscription that
resumes later reads them from the store, as they are then (an erasure may have rewritten them).
The store allocates sequence numbers densely and in commit order
(:meth:`~services.events.store.EventsStore.append`), so reading ``seq > last`` never steps over an
entry that is committed later.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque

from services.events.store import EventsStore, FeedEntry

__all__ = ["FeedTail"]

log = logging.getLogger(__name__)
READ_LIMIT = 1_000
WAVES = 16
"""Subscriptions are woken for new entries in this many waves, the event loop polling between them: a thousand
subscriptions woken at once would hold the loop (this service's requests and deliveries) for the whole fan-out."""
KEPT_S = 30.0
"""How long an entry is served from memory (live subscriptions take it within moments)."""


class FeedTail:
    """The newest feed entries of this process, and a wake-up for the subscriptions waiting for more."""

    def __init__(self, store: EventsStore, *, poll_s: float, keep: int = 4_096) -> None:
        self._store = store
        self._poll_s = poll_s
        self._entries: deque[FeedEntry] = deque(maxlen=keep)
        self._arrivals: deque[float] = deque(maxlen=keep)  # when each held entry was read (monotonic)
        self._start = 0  # every entry with start < seq <= last is held
        self._last = 0
        self._poked = asyncio.Event()
        self._changed = [asyncio.Event() for _ in range(WAVES)]
        self._tickets = itertools.count()
        self._task: asyncio.Task[None] | None = None
        self._opening = asyncio.Lock()
        self.following = 0
        """Subscriptions of this process following the feed now (each has its cursor: it misses nothing appended after)."""

    @property
    def last(self) -> int:
        """The seq of the newest entry read (what a subscription has seen once it took everything held)."""
        return self._last

    def ticket(self) -> int:
        """A subscription's place among the waves of wake-ups (:meth:`changed`)."""
        return next(self._tickets)

    def changed(self, ticket: int) -> asyncio.Event:
        """Set when entries after :attr:`last` arrive (in the ticket's wave); take it before looking, then wait on it (no
        wake-up is lost)."""
        return self._changed[ticket % WAVES]

    async def open(self) -> None:
        """Start following the feed from its current end (idempotent; the first subscription opens it)."""
        async with self._opening:
            if self._task is not None:
                return
            self._last = self._start = await self._store.last_seq()
            self._task = asyncio.create_task(self._follow(), name="feed-tail")

    async def close(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def poke(self) -> None:
        """Something was appended here: read it now."""
        self._poked.set()

    def holds_after(self, cursor: int) -> bool:
        """Does the tail hold every entry after ``cursor``?"""
        return self._task is not None and cursor >= self._start

    def after(self, cursor: int) -> list[FeedEntry]:
        """The held entries after ``cursor`` (call only when :meth:`holds_after` says it holds them), oldest first."""
        entries = self._entries
        return [entries[-back] for back in range(self._last - cursor, 0, -1)]  # indexed from the right end: cheap near it

    async def _follow(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_s):
                    await self._poked.wait()
            self._poked.clear()
            try:
                while await self._read():
                    pass
            except Exception:
                log.exception("reading the feed's new entries failed")
            self._forget(time.monotonic() - KEPT_S)

    def _forget(self, before: float) -> None:
        """Entries read before ``before`` are no longer served from memory."""
        while self._arrivals and self._arrivals[0] < before:
            self._arrivals.popleft()
            self._start = self._entries.popleft()["seq"]

    async def _read(self) -> bool:
        """Take the entries after the last one held; whether a full page came (more may follow)."""
        entries = await self._store.feed.find({"seq": {"$gt": self._last}}, sort=[("seq", 1)], limit=READ_LIMIT)
        now = time.monotonic()
        for entry in entries:
            if entry["seq"] != self._last + 1:  # never, with dense numbers; start over rather than serve a hole
                log.warning("the feed skipped from %s to %s", self._last, entry["seq"])
                self._entries.clear()
                self._arrivals.clear()
                self._start = entry["seq"] - 1
            if len(self._entries) == self._entries.maxlen:
                self._start = self._entries[0]["seq"]
            self._entries.append(entry)
            self._arrivals.append(now)
            self._last = entry["seq"]
        if entries:
            changed, self._changed = self._changed, [asyncio.Event() for _ in range(WAVES)]
            for number, wave in enumerate(changed):
                if number:
                    await asyncio.sleep(0)  # the wave woken before runs, and the loop polls for other work
                wave.set()
        return len(entries) == READ_LIMIT
