"""Queries, the events subscription, and the webhook mutations of the events subgraph."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import NoReturn

import strawberry
from starlette.websockets import WebSocket, WebSocketState
from strawberry.types import Info

from services.common.domain import DomainError, Invalid
from services.common.graphql.errors import PublicError, public_error
from services.common.graphql.mutations import attempt_for_caller
from services.common.graphql.pagination import Connection, connection
from services.common.pagination import MAX_PAGE_SIZE, Page, decode_cursor
from services.events.domain import Scope
from services.events.schema.context import EventsContext
from services.events.schema.frames import LIVE
from services.events.schema.types import DeadLetterType, DomainEvent, FollowingWebhook, WebhookDelivery, WebhookEndpoint
from services.events.schema.webhooks import (
    DeleteWebhookInput,
    DeleteWebhookPayload,
    PauseWebhookInput,
    PauseWebhookPayload,
    RedeliverWebhookInput,
    RedeliverWebhookPayload,
    RegisterWebhookInput,
    RegisterWebhookPayload,
    RenewWebhookInput,
    RenewWebhookPayload,
    ResumeWebhookInput,
    ResumeWebhookPayload,
    RevokeWebhookAccessInput,
    RevokeWebhookAccessPayload,
    RotateWebhookSecretInput,
    RotateWebhookSecretPayload,
    UpdateWebhookInput,
    UpdateWebhookPayload,
)
from services.events.store import FeedEntry

__all__ = ["Mutation", "Query", "Subscription"]

POLL_S = 1.0
CATCH_UP = 100
TOKEN_EXPIRED = "the token expired: connect again with a fresh one"
CONSUMERS = ("needs", "claims", "orgs", "events")
FULL, PUBLIC = "full", "public"
"""Visibility classes of an entry for a subscriber: every event of its community, or its public ones only."""


def _after(after: str | None) -> int:
    """The sequence number inside a feed cursor; :class:`Invalid` (field ``after``) for anything we did not hand out."""
    if not after:
        return 0
    (seq,) = decode_cursor(after, 1)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise Invalid("this cursor is not valid for this list", field="after")
    return seq


def _passed(moment: datetime | None) -> bool:
    return moment is not None and datetime.now(UTC) >= moment


def _seconds_until(moment: datetime) -> float:
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


async def _token_expired(info: Info[EventsContext, None]) -> NoReturn:
    """The caller's token expired: over WebSocket the socket is closed (4403), else the operation ends with an error
    (also on a socket shared by several callers, each operation with its own token: only this one ends).

    After the close nothing more may be sent, so the operation then waits to be cancelled (the
    protocol handler cancels every operation of a socket that closed).
    """
    request = info.context.request
    if isinstance(request, WebSocket) and not info.context.own_token:
        if request.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await request.close(code=4403, reason=TOKEN_EXPIRED)
        await asyncio.Event().wait()
    raise PublicError(TOKEN_EXPIRED, "UNAUTHENTICATED")


async def _visible(info: Info[EventsContext, None], communities: list[strawberry.ID] | None) -> Scope:
    principal = info.context.require_principal()
    return (await info.context.use_cases.scope(principal)).narrowed([str(c) for c in communities] if communities else None)


async def _filter(info: Info[EventsContext, None], types: list[str] | None, communities: list[strawberry.ID] | None) -> dict[str, object]:
    return (await _visible(info, communities)).mongo_filter(types or None)


@strawberry.type(description="Read the event feed and your webhook endpoints.")
class Query:
    @strawberry.field(
        description="事件 The events you may see, oldest first, after a cursor; filter by types (routing keys) and communities."
    )
    async def events(
        self,
        info: Info[EventsContext, None],
        after: str | None = None,
        types: list[str] | None = None,
        communities: list[strawberry.ID] | None = None,
        first: int = 50,
    ) -> Connection[DomainEvent]:
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise public_error(Invalid(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first"))
        try:
            start = _after(after)
        except DomainError as error:
            raise public_error(error) from error
        filter = await _filter(info, types, communities)
        entries = await info.context.use_cases.store.read(filter, after=start, limit=first + 1)
        page = Page(entries[:first], len(entries) > first, [DomainEvent.of(e).cursor for e in entries[:first]])

        async def count() -> int:
            return await info.context.use_cases.store.feed.count_documents(filter)

        return connection([DomainEvent.of(e) for e in entries[:first]], page, after=after, count=count)

    @strawberry.field(
        description="死信 Events a service gave up on after every retry (district administrators; their district's communities)."
    )
    async def dead_letters(self, info: Info[EventsContext, None], consumer: str | None = None, first: int = 50) -> list[DeadLetterType]:
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise public_error(Invalid(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first"))
        if consumer is not None and consumer not in CONSUMERS:
            raise public_error(Invalid(f"consumer is one of {', '.join(CONSUMERS)}", field="consumer"))
        principal = info.context.require_principal()
        try:
            letters = await info.context.use_cases.dead_letters(principal, [consumer] if consumer else CONSUMERS, first)
        except DomainError as error:
            raise public_error(error) from error
        return [DeadLetterType.of(letter) for letter in letters]

    @strawberry.field(description="Your webhook endpoints.")
    async def webhooks(self, info: Info[EventsContext, None]) -> list[WebhookEndpoint]:
        principal = info.context.require_principal()
        return [WebhookEndpoint.of(e) for e in await info.context.use_cases.store.endpoints_of(principal.subject)]

    @strawberry.field(
        description="Webhook endpoints that follow a community (its staff and district administrators), "
        "to see who receives its events and revoke them (revokeWebhookAccess)."
    )
    async def webhooks_following(self, info: Info[EventsContext, None], community_id: strawberry.ID) -> list[FollowingWebhook]:
        principal = info.context.require_principal()
        try:
            endpoints = await info.context.use_cases.following(principal, str(community_id))
        except DomainError as error:
            raise public_error(error) from error
        return [FollowingWebhook.of(e) for e in endpoints]


@strawberry.type(description="Follow events live.")
class Subscription:
    @strawberry.subscription(
        description="Events as they happen; with `after`, first every event since that cursor, without gaps or repeats."
    )
    async def events(
        self,
        info: Info[EventsContext, None],
        after: str | None = None,
        types: list[str] | None = None,
        communities: list[strawberry.ID] | None = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        # Checked before the stream starts, so that a bad argument is the operation's error (with its path), not an event's.
        handlers = info.context.use_cases
        try:
            cursor = _after(after) if after else await handlers.store.last_seq()
        except DomainError as error:
            raise public_error(error) from error
        scope = await _visible(info, communities)
        return _stream(info, scope, frozenset(types) if types else None, cursor, info.context.require_principal().expires_at)


async def _stream(
    info: Info[EventsContext, None], scope: Scope, types: frozenset[str] | None, cursor: int, expires_at: datetime | None
) -> AsyncGenerator[DomainEvent, None]:
    """The feed after ``cursor`` and then live, until the caller's token expires.

    Live entries come from the process's :class:`~services.events.tail.FeedTail` (one store read for
    every subscription), filtered here by the same rules as the store filter; a subscription behind
    what the tail holds reads the store, up to the tail's end, until it has caught up. Served by the
    events service's socket handler, each visible entry's frame is rendered once for every
    subscriber of the same selection and visibility class and sent as it is (:mod:`.frames`).
    """
    handlers = info.context.use_cases
    tail = handlers.tail
    await tail.open()
    filter = scope.mongo_filter(types)
    live = LIVE.get()  # over the events service's own socket: frames rendered once per selection and class, sent as they are

    def visible(entry: FeedEntry) -> bool:
        return scope.allows(entry["community"], entry["routing_key"]) and (types is None or entry["routing_key"] in types)

    tail.following += 1
    ticket = tail.ticket()
    try:
        while True:
            changed = tail.changed(ticket)
            upto = tail.last
            if tail.holds_after(cursor):
                entries, complete = [entry for entry in tail.after(cursor) if visible(entry)], True
            else:
                entries = await handlers.store.read({"$and": [filter, {"seq": {"$lte": upto}}]}, after=cursor, limit=CATCH_UP)
                complete = len(entries) < CATCH_UP
            for entry in entries:
                if _passed(expires_at):
                    await _token_expired(info)
                cursor = entry["seq"]
                if live is not None:
                    payload = live.frames.payload(live, entry, FULL if entry["community"] in scope.full else PUBLIC)
                    if payload is not None:
                        await live.send_next(payload)
                        continue
                yield DomainEvent.of(entry)
            if complete:
                cursor = max(cursor, upto)
            if _passed(expires_at):
                await _token_expired(info)
            if complete and cursor >= tail.last:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(POLL_S if expires_at is None else min(POLL_S, _seconds_until(expires_at))):
                        await changed.wait()
    finally:
        tail.following -= 1


@strawberry.type(description="Register and look after webhook endpoints.")
class Mutation:
    @strawberry.mutation(description="Register an endpoint; the payload shows its signing secret once.")
    async def register_webhook(self, info: Info[EventsContext, None], input: RegisterWebhookInput) -> RegisterWebhookPayload:
        communities = [str(c) for c in input.communities] if input.communities else None
        return RegisterWebhookPayload.of(
            await attempt_for_caller(
                info.context,
                lambda h, p: h.register(p, input.url, communities=communities, types=input.types, description=input.description),
            ),
            with_secret=True,
        )

    @strawberry.mutation(description="Change an endpoint's URL, types or description.")
    async def update_webhook(self, info: Info[EventsContext, None], input: UpdateWebhookInput) -> UpdateWebhookPayload:
        return UpdateWebhookPayload.of(
            await attempt_for_caller(
                info.context,
                lambda h, p: h.update(p, str(input.endpoint_id), url=input.url, types=input.types, description=input.description),
            )
        )

    @strawberry.mutation(description="Pause deliveries (pending ones wait).")
    async def pause_webhook(self, info: Info[EventsContext, None], input: PauseWebhookInput) -> PauseWebhookPayload:
        return PauseWebhookPayload.of(await attempt_for_caller(info.context, lambda h, p: h.pause(p, str(input.endpoint_id))))

    @strawberry.mutation(description="Resume deliveries (also after a 410 disabled the endpoint).")
    async def resume_webhook(self, info: Info[EventsContext, None], input: ResumeWebhookInput) -> ResumeWebhookPayload:
        return ResumeWebhookPayload.of(await attempt_for_caller(info.context, lambda h, p: h.resume(p, str(input.endpoint_id))))

    @strawberry.mutation(
        description="A new signing secret, shown once; the old one keeps signing beside it for the overlap (24 h by default)."
    )
    async def rotate_webhook_secret(self, info: Info[EventsContext, None], input: RotateWebhookSecretInput) -> RotateWebhookSecretPayload:
        hours = input.overlap_hours
        return RotateWebhookSecretPayload.of(
            await attempt_for_caller(info.context, lambda h, p: h.rotate_secret(p, str(input.endpoint_id), overlap_hours=hours)),
            with_secret=True,
        )

    @strawberry.mutation(
        description="Renew the endpoint's grant with your current token (its scope re-derived from it); "
        "an endpoint lives only as long as the token that registered or last renewed it."
    )
    async def renew_webhook(self, info: Info[EventsContext, None], input: RenewWebhookInput) -> RenewWebhookPayload:
        return RenewWebhookPayload.of(await attempt_for_caller(info.context, lambda h, p: h.renew(p, str(input.endpoint_id))))

    @strawberry.mutation(description="Take your community out of an endpoint's scope (its staff, district administrators).")
    async def revoke_webhook_access(self, info: Info[EventsContext, None], input: RevokeWebhookAccessInput) -> RevokeWebhookAccessPayload:
        return RevokeWebhookAccessPayload.of(
            await attempt_for_caller(info.context, lambda h, p: h.revoke(p, str(input.endpoint_id), str(input.community_id)))
        )

    @strawberry.mutation(description="Delete an endpoint.")
    async def delete_webhook(self, info: Info[EventsContext, None], input: DeleteWebhookInput) -> DeleteWebhookPayload:
        return DeleteWebhookPayload.of(await attempt_for_caller(info.context, lambda h, p: h.delete(p, str(input.endpoint_id))))

    @strawberry.mutation(description="Send one delivery again now.")
    async def redeliver_webhook(self, info: Info[EventsContext, None], input: RedeliverWebhookInput) -> RedeliverWebhookPayload:
        delivery, errors = await attempt_for_caller(info.context, lambda h, p: h.redeliver(p, str(input.delivery_id)))
        return RedeliverWebhookPayload(delivery=WebhookDelivery.of(delivery) if delivery else None, errors=errors)
