"""GraphQL types of the events subgraph."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from services.common.bus import DeadLetter
from services.common.pagination import encode_cursor
from services.events.domain import Delivery, DeliveryStatus, Endpoint, EndpointStatus

__all__ = ["DeadLetterType", "DomainEvent", "FollowingWebhook", "WebhookDelivery", "WebhookEndpoint"]

strawberry.enum(EndpointStatus, description="ACTIVE receives events; PAUSED waits; DISABLED after the receiver answered 410 Gone.")
strawberry.enum(DeliveryStatus, description="PENDING (retried with back-off), DELIVERED (a 2xx answer) or FAILED.")


@strawberry.type(description="A domain event of the feed (a CloudEvent): a fact that happened in a community.")
class DomainEvent:
    cursor: str = strawberry.field(description="Its place in the feed: pass as `after` to resume behind it.")
    id: strawberry.ID = strawberry.field(description="CloudEvent id (the dedupe key).")
    type: str = strawberry.field(description="CloudEvent type, e.g. org.renling.needs.item.published.v1.")
    routing_key: str = strawberry.field(description="The type without its prefix, e.g. needs.item.published.v1.")
    source: str = strawberry.field(description="CloudEvent source, e.g. /communities/<id>/needs.")
    community: strawberry.ID = strawberry.field(description="The community it happened in.")
    time: datetime = strawberry.field(description="When it happened.")
    subject: str | None = strawberry.field(description="The record it is about.")
    data: JSON = strawberry.field(description="What changed (ids, statuses, amounts in fen…).")

    @classmethod
    def of(cls, entry: dict[str, Any]) -> DomainEvent:
        """From a feed entry."""
        return cls(
            cursor=encode_cursor([entry["seq"]]),
            id=strawberry.ID(entry["_id"]),
            type=entry["type"],
            routing_key=entry["routing_key"],
            source=entry["source"],
            community=strawberry.ID(entry["community"]),
            time=entry["time"],
            subject=entry.get("subject"),
            data=entry["data"],
        )


@strawberry.type(description="One attempt to deliver.")
class DeliveryAttempt:
    at: datetime = strawberry.field(description="When.")
    status_code: int | None = strawberry.field(description="The receiver's HTTP status, if it answered.")
    error: str | None = strawberry.field(description="Why it did not answer.")
    duration_ms: int = strawberry.field(description="How long it took.")


@strawberry.type(description="One event to one webhook endpoint, with every attempt (the delivery log).")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Delivery id.")
    event_id: strawberry.ID = strawberry.field(description="The event (also the `webhook-id` header).")
    routing_key: str = strawberry.field(description="The event's type.")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next, while pending.")
    attempts: list[DeliveryAttempt] = strawberry.field(description="Every attempt, oldest first.")

    @classmethod
    def of(cls, delivery: Delivery) -> WebhookDelivery:
        """From the domain delivery."""
        return cls(
            id=strawberry.ID(delivery.id),
            event_id=strawberry.ID(delivery.event_id),
            routing_key=delivery.routing_key,
            status=delivery.status,
            next_attempt_at=delivery.next_attempt_at if delivery.status is DeliveryStatus.PENDING else None,
            attempts=[
                DeliveryAttempt(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms) for a in delivery.attempts
            ],
        )


@strawberry.type(description="A webhook endpoint: events POSTed as CloudEvents, signed per Standard Webhooks.")
class WebhookEndpoint:
    id: strawberry.ID = strawberry.field(description="Endpoint id.")
    url: str = strawberry.field(description="Where events are POSTed.")
    status: EndpointStatus = strawberry.field(description="Active, paused or disabled.")
    types: list[str] | None = strawberry.field(description="Routing keys it receives; null: every event it may see.")
    communities: list[strawberry.ID] = strawberry.field(description="Communities it follows.")
    description: str = strawberry.field(description="What it is for.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled.")
    created_at: datetime = strawberry.field(description="Registered at.")
    grant_expires_at: datetime | None = strawberry.field(
        description="When the token it was registered (or last renewed) with expires: renew it before (renewWebhook), "
        "or it is disabled then."
    )
    _endpoint: strawberry.Private[Endpoint]

    @classmethod
    def of(cls, endpoint: Endpoint) -> WebhookEndpoint:
        """From the domain endpoint (never the secret)."""
        return cls(
            id=strawberry.ID(endpoint.id),
            url=endpoint.url,
            status=endpoint.status,
            types=sorted(endpoint.types) if endpoint.types is not None else None,
            communities=[strawberry.ID(c) for c in sorted(endpoint.full | endpoint.public)],
            description=endpoint.description,
            disabled_reason=endpoint.disabled_reason,
            created_at=endpoint.created_at,
            grant_expires_at=endpoint.grant_expires_at,
            _endpoint=endpoint,
        )

    @strawberry.field(description="The delivery log, newest first.")
    async def deliveries(self, info: strawberry.Info, first: int = 20) -> list[WebhookDelivery]:
        store = info.context.use_cases.store
        return [WebhookDelivery.of(d) for d in await store.deliveries_of(self._endpoint.id, limit=min(max(first, 0), 100))]


@strawberry.type(description="A webhook endpoint that follows your community, as its staff see it (not its URL, secret or log).")
class FollowingWebhook:
    id: strawberry.ID = strawberry.field(description="Endpoint id.")
    owner: str = strawberry.field(description="Who registered it (the token's subject).")
    status: EndpointStatus = strawberry.field(description="Active, paused or disabled.")
    communities: list[strawberry.ID] = strawberry.field(description="Communities it follows.")
    description: str = strawberry.field(description="What it is for.")
    created_at: datetime = strawberry.field(description="Registered at.")
    grant_expires_at: datetime | None = strawberry.field(description="When its grant ends unless its owner renews it.")

    @classmethod
    def of(cls, endpoint: Endpoint) -> FollowingWebhook:
        """From the domain endpoint."""
        return cls(
            id=strawberry.ID(endpoint.id),
            owner=endpoint.owner,
            status=endpoint.status,
            communities=[strawberry.ID(c) for c in sorted(endpoint.full | endpoint.public)],
            description=endpoint.description,
            created_at=endpoint.created_at,
            grant_expires_at=endpoint.grant_expires_at,
        )


@strawberry.type(
    name="DeadLetter", description="死信 An event a service gave up handling after every retry: for administrators to look into."
)
class DeadLetterType:
    consumer: str = strawberry.field(description="The service that could not handle it (needs, claims, orgs, events).")
    event_id: strawberry.ID = strawberry.field(description="CloudEvent id.")
    routing_key: str = strawberry.field(description="The event's type, e.g. claims.claim.approved.v1.")
    community: strawberry.ID = strawberry.field(description="The community it happened in.")
    time: datetime = strawberry.field(description="When it happened.")
    attempts: int = strawberry.field(description="How many times it was delivered.")
    error: str = strawberry.field(description="The last error, or the broker's reason (e.g. delivery_limit).")
    data: JSON = strawberry.field(description="The event's data.")

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterType:
        """From the bus's dead letter."""
        event = letter.event
        return cls(
            consumer=letter.consumer,
            event_id=strawberry.ID(event.id),
            routing_key=event.routing_key,
            community=strawberry.ID(event.community),
            time=event.time,
            attempts=letter.attempts,
            error=letter.error,
            data=cast("JSON", dict(event.data)),
        )
