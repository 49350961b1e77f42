"""The events service's use cases: recording every domain event, and partners' webhook endpoints."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlparse

from services.common.bus import Bus, DeadLetter
from services.common.domain import Forbidden, Invalid, NotFound
from services.common.events import Event
from services.common.identity import Principal, Role
from services.common.settings import Settings
from services.events.domain import Delivery, DeliveryStatus, Endpoint, EndpointStatus, Scope, check_url, new_secret, scope_of
from services.events.store import EventsStore, FeedEntry

__all__ = ["EventsHandlers", "FeedSignal"]

REGISTRANTS = (Role.PARTNER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN, Role.ORG_LEADER)


class FeedSignal:
    """Wakes subscriptions and the dispatcher when the feed grows (a poll is their fallback)."""

    def __init__(self) -> None:
        self._condition = asyncio.Condition()

    async def notify(self) -> None:
        """Something was appended."""
        async with self._condition:
            self._condition.notify_all()

    async def wait(self, within: float) -> None:
        """Until something is appended, or ``within`` seconds."""
        try:
            async with asyncio.timeout(within), self._condition:
                await self._condition.wait()
        except TimeoutError:
            return


class EventsHandlers:
    """Use cases of the events service."""

    def __init__(self, store: EventsStore, settings: Settings, *, clock: Callable[[], datetime], bus: Bus | None = None) -> None:
        self.store = store
        self.bus = bus
        self.settings = settings
        self.signal = FeedSignal()
        self.dispatcher: object = None
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
        now = self._clock()
        for endpoint in await self.store.active_endpoints():
            if endpoint.wants(event.community, event.routing_key):
                await self.store.add_delivery(
                    Delivery(
                        f"{endpoint.id}:{event.id}",
                        endpoint.id,
                        event.id,
                        entry["seq"],
                        event.routing_key,
                        DeliveryStatus.PENDING,
                        now,
                        now,
                    )
                )
        await self.signal.notify()
        return entry

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
        checked = await self._checked_url(url)
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
        )
        await self.store.insert_endpoint(endpoint)
        return replace(endpoint, version=1)

    async def update(
        self, principal: Principal, endpoint_id: str, *, url: str | None, types: Sequence[str] | None, description: str | None
    ) -> Endpoint:
        """Change an endpoint's URL, type filter or description."""
        endpoint = await self._own(principal, endpoint_id)
        changed = replace(
            endpoint,
            url=await self._checked_url(url) if url is not None else endpoint.url,
            types=frozenset(types) if types else (endpoint.types if types is None else None),
            description=description.strip() if description is not None else endpoint.description,
            updated_at=self._clock(),
        )
        await self.store.save_endpoint(changed)
        return replace(changed, version=changed.version + 1)

    async def pause(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """Stop deliveries; pending ones wait."""
        endpoint = (await self._own(principal, endpoint_id)).pause(at=self._clock())
        await self.store.save_endpoint(endpoint)
        return replace(endpoint, version=endpoint.version + 1)

    async def resume(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """Deliver again."""
        endpoint = (await self._own(principal, endpoint_id)).resume(at=self._clock())
        await self.store.save_endpoint(endpoint)
        return replace(endpoint, version=endpoint.version + 1)

    async def rotate_secret(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """A new signing secret; later deliveries are signed with it."""
        endpoint = replace(await self._own(principal, endpoint_id), secret=new_secret(), updated_at=self._clock())
        await self.store.save_endpoint(endpoint)
        return replace(endpoint, version=endpoint.version + 1)

    async def delete(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """Remove an endpoint."""
        endpoint = await self._own(principal, endpoint_id)
        await self.store.delete_endpoint(endpoint.id)
        return endpoint

    async def redeliver(self, principal: Principal, delivery_id: str) -> Delivery:
        """Send one delivery again now."""
        delivery = await self.store.delivery(delivery_id)
        if delivery is None:
            raise NotFound("no such delivery", field="deliveryId")
        await self._own(principal, delivery.endpoint_id)
        requeued = await self.store.requeue(delivery, self._clock())
        await self.signal.notify()
        return requeued

    async def endpoint_of(self, principal: Principal, endpoint_id: str) -> Endpoint:
        """An endpoint of the caller."""
        return await self._own(principal, endpoint_id)

    async def _own(self, principal: Principal, endpoint_id: str) -> Endpoint:
        endpoint = await self.store.endpoint(endpoint_id)
        if endpoint is None or endpoint.owner != principal.subject:
            raise NotFound("no such webhook endpoint", field="endpointId")
        return endpoint

    async def _checked_url(self, url: str) -> str:
        host = urlparse(url).hostname or ""
        try:
            infos = await asyncio.to_thread(socket.getaddrinfo, host, None) if host else []
        except OSError as error:
            raise Invalid(f"the host does not resolve: {error}", field="url") from error
        return check_url(url, addresses=[str(info[4][0]) for info in infos], allow_private=self.settings.webhook_allow_private)
