"""The events service's use cases: recording every domain event, and partners' webhook endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from services.common.bus import Bus, DeadLetter
from services.common.domain import Conflict, Forbidden, Invalid, NotFound
from services.common.events import Event
from services.common.handling import MAX_ATTEMPTS
from services.common.identity import Principal, Role
from services.common.settings import Settings
from services.common.store import VersionConflict
from services.common.tracing import current_traceparent
from services.events.domain import GRANT_EXPIRED, Delivery, DeliveryStatus, Endpoint, EndpointStatus, Scope, new_secret, scope_of
from services.events.network import AddressGuard
from services.events.store import EventsStore, FeedEntry
from services.events.tail import FeedTail

__all__ = ["Deliverer", "EventsHandlers", "Nudge"]

REGISTRANTS = (Role.PARTNER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN, Role.ORG_LEADER)
MAX_OVERLAP_HOURS = 168
QUEUEING = 64
"""Deliveries of one event written at once (concurrent inserts; one event may go to thousands of endpoints)."""


class Deliverer(Protocol):
    """What recording an event asks of the dispatcher of this replica (:class:`~services.events.delivery.Dispatcher`)."""

    def reserve(self, deliveries: Sequence[Delivery], now: datetime) -> list[Delivery]:
        """The deliveries, those it will send itself leased to it (their ``next_attempt_at`` the lease's end)."""

    def hand_over(self, deliveries: Sequence[Delivery], endpoints: Mapping[str, Endpoint] | None = None, *, read_at: float = 0.0) -> None:
        """Send these reserved deliveries, now stored, to these endpoints as read at ``read_at`` (``time.monotonic()``)."""

    def forget(self, endpoint_id: str) -> None:
        """The endpoint changed: what was read of it before is stale."""

    async def run_once(self) -> int:
        """Attempt every due delivery once."""


class Nudge:
    """Wakes the one waiter (the dispatcher); a nudge while nobody waits makes the next wait return at once."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        """Something is due."""
        self._event.set()

    async def wait(self, within: float) -> None:
        """Until nudged (or already nudged), or ``within`` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._event.wait()
        self._event.clear()


class EventsHandlers:
    """Use cases of the events service."""

    def __init__(self, store: EventsStore, settings: Settings, *, clock: Callable[[], datetime], bus: Bus | None = None) -> None:
        self.store = store
        self.bus = bus
        self.settings = settings
        self.due = Nudge()
        self.tail = FeedTail(store, poll_s=settings.feed_poll_s)
        self.dispatcher: Deliverer | None = None
        self.guard = AddressGuard(settings)
        self._clock = clock

    async def dead_letters(self, principal: Principal, consumers: Sequence[str], limit: int) -> list[DeadLetter]:
        """Events the services gave up on, for a district administrator: those of their district's communities."""
        if Role.DISTRICT_ADMIN not in principal.roles:
            raise Forbidden("only district administrators see dead letters")
        if self.bus is None:
            return []
        scope = await self.scope(principal)
        bus = self.bus
        per_consumer = await asyncio.gather(*(bus.dead_letters(consumer, limit) for consumer in consumers))
        letters = [letter for letters_of in per_consumer for letter in letters_of]
        return [letter for letter in letters if letter.event.community in scope.full][:limit]

    async def scope(self, principal: Principal) -> Scope:
        """What the caller may see: their communities, and every community of the districts they administer."""
        places = await self.store.places.places(principal.communities)
        pairs = [(community, places[community].district_id if community in places else None) for community in principal.communities]
        if principal.districts:
            pairs += [
                (p.community_id, p.district_id) for p in await self.store.places.communities_in(district_ids=sorted(principal.districts))
            ]
        return scope_of(principal, pairs)

    async def record(self, event: Event) -> FeedEntry | None:
        """Append a domain event to the feed and queue it for every endpoint that wants it (idempotent)."""
        entry = await self.store.append(event)
        if entry is None:
            return None
        self.tail.poke()
        now = self._clock()
        traceparent = current_traceparent() or event.traceparent
        deliveries: list[Delivery] = []
        read_at = time.monotonic()
        wanting: dict[str, Endpoint] = {}
        for endpoint in await self.store.active_endpoints():
            if not endpoint.granted_at(now):
                await self.expire(endpoint, now)
            elif endpoint.wants(event.community, event.routing_key, now=now):
                wanting[endpoint.id] = endpoint
                deliveries.append(
                    Delivery(
                        f"{endpoint.id}:{event.id}",
                        endpoint.id,
                        event.id,
                        entry["seq"],
                        event.routing_key,
                        DeliveryStatus.PENDING,
                        now,
                        now,
                        traceparent=traceparent,
                    )
                )
        for start in range(0, len(deliveries), QUEUEING):
            if start:
                await asyncio.sleep(0)  # a fan-out to thousands of endpoints lets the requests waiting meanwhile run
            await self._queue(deliveries[start : start + QUEUEING], now, wanting, read_at)
        return entry

    async def _queue(self, deliveries: Sequence[Delivery], now: datetime, endpoints: Mapping[str, Endpoint], read_at: float) -> None:
        """Store new deliveries; those this replica's dispatcher has room for are stored leased to it and handed over at once
        (no second write to take them, no search for them); the rest it finds due in the store."""
        reserved = self.dispatcher.reserve(deliveries, now) if self.dispatcher is not None else list(deliveries)
        stored = await asyncio.gather(*(self.store.add_delivery(delivery) for delivery in reserved))
        taken = [delivery for delivery, new in zip(reserved, stored, strict=True) if new and delivery.next_attempt_at > now]
        if taken and self.dispatcher is not None:
            self.dispatcher.hand_over(taken, endpoints, read_at=read_at)
        if len(taken) < len(reserved):
            self.due.set()

    async def register(
        self, principal: Principal, url: str, *, communities: Sequence[str] | None, types: Sequence[str] | None, description: str
    ) -> Endpoint:
        """A partner (or staff) registers an endpoint over the communities they may see."""
        if not principal.has_role(*REGISTRANTS):
            raise Forbidden("partners and staff register webhooks", field="url")
        if communities is not None:
            await self.store.places.require_all(communities, field="communities")
        scope = await self.scope(principal)
        if communities is not None:
            outside = set(communities) - scope.full - scope.public
            if outside:
                raise Forbidden(f"you may not follow {sorted(outside)[0]}", field="communities")
            scope = scope.narrowed(communities)
        else:
            known = await self.store.places.places(scope.full | scope.public)
            if (scope.full or scope.public) and not known:
                raise NotFound("none of your communities is registered", field="communities")
            scope = scope.narrowed(known)
        if not scope.full and not scope.public:
            raise Invalid("there is no community to follow", field="communities")
        checked = await self.guard.checked_url(url)
        now = self._clock()
        endpoint = Endpoint(
            uuid.uuid4().hex,
            principal.subject,
            checked,
            new_secret(),
            EndpointStatus.ACTIVE,
            scope.full,
            scope.public,
            frozenset(types) if types else None,
            description.strip(),
            now,
            now,
            grant_expires_at=principal.expires_at,
        )
        await self.store.insert_endpoint(endpoint)
        return replace(endpoint, version=1)

    async def update(
        self, principal: Principal, endpoint_id: str, *, url: str | None, types: Sequence[str] | None, description: str | None
    ) -> Endpoint:
        """Change an endpoint's URL, type filter or description."""
        await self._own(principal, endpoint_id)  # whose it is before anything about the input
        checked = await self.guard.checked_url(url) if url is not None else None

        def change(endpoint: Endpoint) -> Endpoint:
            return replace(
                endpoint,
                url=checked if checked is not None else endpoint.url,
                types=frozenset(types) if types else (endpoint.types if types is None else None),
                description=description.strip() if description is not None else endpoint.description,
                updated_at=self._clock(),
            )

        return await self._change(lambda: self._own(principal, endpoint_id), change)

    async def pause(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """Stop deliveries; pending ones wait."""
        return await self._change(lambda: self._own(principal, endpoint_id), lambda endpoint: endpoint.pause(at=self._clock()))

    async def resume(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """Deliver again, under a grant renewed from the caller's current token; waiting deliveries go now."""
        scope = await self.scope(principal)
        endpoint = await self._change(
            lambda: self._own(principal, endpoint_id),
            lambda endpoint: _renewed(endpoint, principal, scope, self._clock()).resume(at=self._clock()),
        )
        await self._wake(endpoint)
        return endpoint

    async def renew(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """The endpoint's grant renewed from the caller's current token (scope re-derived, new expiry)."""
        scope = await self.scope(principal)
        endpoint = await self._change(
            lambda: self._own(principal, endpoint_id), lambda endpoint: _renewed(endpoint, principal, scope, self._clock())
        )
        await self._wake(endpoint)
        return endpoint

    async def rotate_secret(self, principal: Principal, endpoint_id: str, *, overlap_hours: float | None = None) -> Endpoint:
        """A new signing secret; the old one keeps signing beside it for the overlap (default ``webhook_secret_overlap_s``)."""
        if overlap_hours is not None and not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
            raise Invalid(f"the overlap is between 0 and {MAX_OVERLAP_HOURS} hours", field="overlapHours")
        overlap = timedelta(hours=overlap_hours) if overlap_hours is not None else timedelta(seconds=self.settings.webhook_secret_overlap_s)
        secret = new_secret()
        return await self._change(
            lambda: self._own(principal, endpoint_id), lambda endpoint: endpoint.rotated(secret, at=self._clock(), overlap=overlap)
        )

    async def following(self, principal: Principal, community: str) -> list[Endpoint]:
        """Endpoints that follow a community, for its staff and its district's administrators."""
        await self._steward(principal, community)
        return await self.store.endpoints_following(community)

    async def revoke(self, principal: Principal, endpoint_id: str, community: str) -> Endpoint:
        """Staff (or a district administrator) take their community out of an endpoint's scope."""
        await self._steward(principal, community)

        async def following() -> Endpoint:
            endpoint = await self.store.endpoint(endpoint_id)
            if endpoint is None or community not in endpoint.full | endpoint.public:
                raise NotFound("no webhook endpoint follows this community with that id", field="endpointId")
            return endpoint

        return await self._change(following, lambda endpoint: endpoint.without_community(community, at=self._clock()))

    async def delete(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """Remove an endpoint."""
        endpoint = await self._own(principal, endpoint_id)
        self._forget(endpoint.id)
        await self.store.delete_endpoint(endpoint.id)
        return endpoint

    async def redeliver(self, principal: Principal, delivery_id: str) -> Delivery:
        """Send one delivery again now."""
        delivery = await self.store.delivery(delivery_id)
        if delivery is None:
            raise NotFound("no such delivery", field="deliveryId")
        await self._own(principal, delivery.endpoint_id)
        requeued = await self.store.requeue(delivery, self._clock())
        self.due.set()
        return requeued

    async def endpoint_of(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """An endpoint of the caller."""
        return await self._own(principal, endpoint_id)

    async def expire(self, endpoint: Endpoint, now: datetime) -> Endpoint:
        """Disable an endpoint whose grant has expired (if nobody changed it meanwhile); the endpoint as it now stands."""
        expired = endpoint.disable(GRANT_EXPIRED, at=now)
        self._forget(endpoint.id)
        try:
            await self.store.save_endpoint(expired)
        except VersionConflict:
            return await self.store.endpoint(endpoint.id) or expired
        return replace(expired, version=expired.version + 1)

    def _forget(self, endpoint_id: str) -> None:
        """What this replica's dispatcher read of the endpoint is stale (it is being changed)."""
        if self.dispatcher is not None:
            self.dispatcher.forget(endpoint_id)

    async def _steward(self, principal: Principal, community: str) -> None:
        if not principal.has_role(Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN) or community not in (await self.scope(principal)).full:
            raise Forbidden("only the community's staff and its district's administrators look after who follows it", field="communityId")

    async def _change(self, load: Callable[[], Awaitable[Endpoint]], decide: Callable[[Endpoint], Endpoint]) -> Endpoint:
        """Load, decide, save if nobody changed the endpoint meanwhile; decide again on fresh state if somebody did."""
        for _ in range(MAX_ATTEMPTS):
            changed = decide(await load())
            try:
                await self.store.save_endpoint(changed)
            except VersionConflict:
                continue
            finally:
                self._forget(changed.id)
            return replace(changed, version=changed.version + 1)
        raise Conflict("the webhook endpoint is being changed by others; try again")

    async def _wake(self, endpoint: Endpoint) -> None:
        """Deliveries that waited for the endpoint go now."""
        await self.store.wake(endpoint.id, self._clock())
        self.due.set()

    async def _own(self, principal: Principal, endpoint_id: str) -> Endpoint:
        endpoint = await self.store.endpoint(endpoint_id)
        if endpoint is None or endpoint.owner != principal.subject:
            raise NotFound("no such webhook endpoint", field="endpointId")
        return endpoint


def _renewed(endpoint: Endpoint, principal: Principal, scope: Scope, now: datetime) -> Endpoint:
    """The endpoint under a grant from the caller's current token, or FORBIDDEN if that token reaches none of its communities."""
    renewed = endpoint.renewed(scope, until=principal.expires_at, at=now)
    if not renewed.full and not renewed.public:
        raise Forbidden("your token no longer reaches any community this endpoint follows", field="endpointId")
    return renewed
