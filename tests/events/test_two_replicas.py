"""Two events-service replicas writing one feed: no duplicate sequence, no duplicate event, and a reader
following its cursor while they write never misses an event — also when a number taken by one replica
is committed after a higher one of the other replica is visible (the gap a separate counter would leave).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from services.common.bus.rabbit import RabbitBus
from services.common.events import Event
from services.common.identity import Role
from services.common.store import Collection, Index
from services.common.store.memory import MemoryDatabase, MemoryServer
from services.events.app import create_app
from services.events.domain import Scope
from services.events.handlers import EventsHandlers
from services.events.store import EventsStore, FeedEntry
from tests.broker import DELAYS
from tests.events.conftest import event, place
from tests.support import AMQP_URL, delete_topology, eventually, fast_settings, require_rabbitmq, running, token

PAGE = "query($after: String) { events(after: $after, first: 7) { edges { node { id cursor } } pageInfo { endCursor } } }"


class Gated:
    """A feed collection whose inserts wait: at a gate the test opens, or a few loop turns (to interleave replicas)."""

    def __init__(self, inner: Collection, *, jitter: random.Random | None = None) -> None:
        self._inner = inner
        self._jitter = jitter
        self.gate: asyncio.Event | None = None
        self.waiting = asyncio.Event()

    @property
    def name(self) -> str:
        return self._inner.name

    async def insert_one(self, document: dict[str, Any]) -> None:
        if self.gate is not None:
            self.waiting.set()
            await self.gate.wait()
        if self._jitter is not None:
            for _ in range(self._jitter.randrange(4)):
                await asyncio.sleep(0)
        await self._inner.insert_one(document)

    async def find_one(self, filter: Mapping[str, Any], *, projection: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        return await self._inner.find_one(filter, projection=projection)

    async def find(
        self,
        filter: Mapping[str, Any],
        *,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
        projection: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        if self._jitter is not None:
            await asyncio.sleep(0)
        return await self._inner.find(filter, sort=sort, limit=limit, projection=projection)

    async def count_documents(self, filter: Mapping[str, Any]) -> int:
        return await self._inner.count_documents(filter)

    async def create_indexes(self, indexes: Sequence[Index]) -> None:
        await self._inner.create_indexes(indexes)


async def _replicas(memory: MemoryServer, *, jitter: int | None = None) -> tuple[EventsStore, EventsStore, Gated, Gated]:
    """Two replicas' stores over one database (as two processes over one MongoDB), each feed behind a gate."""
    database = MemoryDatabase(memory, "events")
    first, second = EventsStore(database), EventsStore(database)
    await first.create_indexes()
    gates = []
    for number, store in enumerate((first, second)):
        gated = Gated(store.feed, jitter=random.Random(jitter + number) if jitter is not None else None)
        store.feed = gated  # type: ignore[assignment]
        gates.append(gated)
    return first, second, gates[0], gates[1]


def _published(count: int) -> list[Event]:
    return [event("needs.item.published.v1", item_id=f"i{n}") for n in range(count)]


async def test_a_number_committed_after_a_higher_one_is_visible_is_not_stepped_over() -> None:
    """Replica A has read the feed's end and waits before its insert; B appends meanwhile; a reader pages past B's entry.

    With a separate counter A would hold number n and B n + 1, and the reader, having seen n + 1,
    would never see n. Here the insert claims the number: B's entry takes n, A's insert loses it and
    A appends as n + 1 — after the reader's cursor, where the reader finds it.
    """
    first, second, gate_a, _ = await _replicas(MemoryServer())
    a_event, b_event = _published(2)
    everything = Scope(frozenset({"c1"}), frozenset()).mongo_filter()
    gate_a.gate = asyncio.Event()

    appending = asyncio.create_task(first.append(a_event))
    await gate_a.waiting.wait()  # A has chosen its number and not stored it yet
    b_entry = await second.append(b_event)
    seen_first = await second.read(everything, after=0, limit=10)
    gate_a.gate.set()
    a_entry = await appending
    seen_then = await first.read(everything, after=seen_first[-1]["seq"], limit=10)

    assert b_entry is not None
    assert a_entry is not None
    assert [entry["_id"] for entry in seen_first] == [b_event.id]
    assert [entry["_id"] for entry in seen_then] == [a_event.id]
    assert (b_entry["seq"], a_entry["seq"]) == (1, 2)


async def test_two_replicas_write_one_dense_duplicate_free_feed_and_a_cursor_reader_misses_nothing() -> None:
    """Every event reaches both replicas (a redelivery, a second consumer); their appends interleave at every await."""
    first, second, _, _ = await _replicas(MemoryServer(), jitter=16)
    events = _published(240)
    everything = Scope(frozenset({"c1"}), frozenset()).mongo_filter()
    seen: list[FeedEntry] = []
    writing = True

    async def write(store: EventsStore, order: list[Event]) -> None:
        for item in order:
            await store.append(item)

    async def follow() -> None:
        cursor = 0
        while writing or len(seen) < len(events):
            page = await first.read(everything, after=cursor, limit=7)
            seen.extend(page)
            cursor = page[-1]["seq"] if page else cursor
            await asyncio.sleep(0)

    reader = asyncio.create_task(follow())
    shuffled = random.Random(5).sample(events, len(events))
    await asyncio.gather(write(first, events), write(second, shuffled), write(second, events[::3]))
    writing = False
    await asyncio.wait_for(reader, timeout=10)
    feed = await first.feed.find({}, sort=[("seq", 1)])

    assert sorted(entry["_id"] for entry in feed) == sorted(e.id for e in events)  # each event once
    assert [entry["seq"] for entry in feed] == list(range(1, len(events) + 1))  # dense, no number twice
    assert [entry["_id"] for entry in seen] == [entry["_id"] for entry in feed]  # the reader saw every one, in order, once


async def test_two_replica_apps_on_rabbitmq_share_one_quorum_queue_and_write_one_feed() -> None:
    """Both replicas consume the same durable quorum queue; a partner pages the feed by cursor while events arrive."""
    await require_rabbitmq()
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    settings = fast_settings(amqp_url=AMQP_URL, events_exchange=namespace, bus_retry_delays_ms=DELAYS, feed_poll_s=0.05)
    memory = MemoryServer()
    publisher = RabbitBus(AMQP_URL, namespace=namespace, retry_delays_ms=DELAYS)
    events = _published(150)
    wanted = {e.id for e in events}
    seen: list[str] = []
    recorded: dict[str, int] = {"a": 0, "b": 0}
    try:
        replicas = {"a": create_app(settings, memory=memory), "b": create_app(settings, memory=memory)}
        async with running(replicas["a"]), running(replicas["b"]) as client_b:
            for name, app in replicas.items():
                _count_records(app.state.handlers, recorded, name)
            await publisher.start()
            await publisher.publish(place("c1", "d1"))
            staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"], subject="staff")

            async def places_known() -> bool:
                return bool(await replicas["a"].state.handlers.store.places.places(["c1"]))

            await eventually(places_known, what="the community on both replicas' database")

            async def follow() -> None:
                after = None
                while not wanted <= set(seen):
                    page = (await client_b.data(PAGE, {"after": after}, as_=staff))["events"]
                    seen.extend(edge["node"]["id"] for edge in page["edges"])
                    after = page["pageInfo"]["endCursor"] or after
                    await asyncio.sleep(0.005)

            reader = asyncio.create_task(follow())
            for number, item in enumerate(events):
                await publisher.publish(item)
                if number % 10 == 0:
                    await publisher.publish(item)  # published twice (a relay that stopped before removing it)
            await asyncio.wait_for(reader, timeout=60)
            feed = await replicas["a"].state.handlers.store.feed.find({}, sort=[("seq", 1)])
    finally:
        await publisher.close()
        await delete_topology(namespace, ("events",), DELAYS)

    ids = [entry["_id"] for entry in feed]
    assert recorded["a"] > 0
    assert recorded["b"] > 0
    assert sorted(ids) == sorted(wanted | {ids[0]})  # the place, then each event once
    assert [entry["seq"] for entry in feed] == list(range(1, len(feed) + 1))
    assert seen == ids  # the reader, paging behind the writers, saw every entry once, in order


def _count_records(handlers: EventsHandlers, counts: dict[str, int], name: str) -> None:
    """Count the events this replica's consumer records (its handler is looked up at each event)."""
    record = handlers.record

    async def counted(item: Event) -> FeedEntry | None:
        counts[name] += 1
        return await record(item)

    handlers.record = counted  # type: ignore[method-assign,assignment]
