"""Queries, the events subscription, and the webhook mutations of the events subgraph."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Self

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError, Invalid
from services.common.graphql.errors import UserError, public_error
from services.common.graphql.mutations import attempt_for_caller
from services.common.graphql.pagination import Connection, connection
from services.common.pagination import MAX_PAGE_SIZE, Page, decode_cursor
from services.common.text import MULTILINE
from services.events.domain import Endpoint
from services.events.schema.context import EventsContext
from services.events.schema.types import DeadLetterType, DomainEvent, WebhookDelivery, WebhookEndpoint

__all__ = ["Mutation", "Query", "Subscription"]

POLL_S = 1.0
CONSUMERS = ("needs", "claims", "orgs", "events")


def _after(after: str | None) -> int:
    return int(decode_cursor(after, 1)[0]) if after else 0


async def _filter(info: Info[EventsContext, None], types: list[str] | None, communities: list[strawberry.ID] | None) -> dict[str, object]:
    principal = info.context.require_principal()
    scope = (await info.context.use_cases.scope(principal)).narrowed([str(c) for c in communities] if communities else None)
    return scope.mongo_filter(types or None)


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
        handlers = info.context.use_cases
        cursor = _after(after) if after else await handlers.store.last_seq()
        filter = await _filter(info, types, communities)
        while True:
            entries = await handlers.store.read(filter, after=cursor, limit=100)
            for entry in entries:
                cursor = entry["seq"]
                yield DomainEvent.of(entry)
            if not entries:
                await handlers.signal.wait(POLL_S)


@strawberry.type(description="Result of a webhook endpoint mutation.")
class WebhookPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint after the change; null if nothing changed.")
    secret: str | None = strawberry.field(description="The signing secret (whsec_…): shown only when registering or rotating.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    def of(cls, result: tuple[Endpoint | None, list[UserError]], *, with_secret: bool = False) -> Self:
        """From an attempt's result."""
        endpoint, errors = result
        return cls(
            endpoint=WebhookEndpoint.of(endpoint) if endpoint else None,
            secret=endpoint.secret if endpoint and with_secret else None,
            errors=errors,
        )


@strawberry.input(description="Register a webhook endpoint over communities you may see.")
class RegisterWebhookInput:
    url: str = strawberry.field(description="http(s) URL that receives POSTed CloudEvents.")
    types: list[str] | None = strawberry.field(default=None, description="Routing keys to receive; default every event you may see.")
    communities: list[strawberry.ID] | None = strawberry.field(default=None, description="Communities to follow; default all of yours.")
    description: str = strawberry.field(metadata=MULTILINE, default="", description="What it is for.")


@strawberry.input(description="Change a webhook endpoint.")
class UpdateWebhookInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    types: list[str] | None = strawberry.field(default=None, description="New routing keys (empty list: every event).")
    description: str | None = strawberry.field(metadata=MULTILINE, default=None, description="A new description.")


@strawberry.input(description="One of your webhook endpoints.")
class WebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")


@strawberry.input(description="Pause an endpoint.")
class PauseWebhookInput(WebhookEndpointInput):
    pass


@strawberry.input(description="Resume an endpoint.")
class ResumeWebhookInput(WebhookEndpointInput):
    pass


@strawberry.input(description="Rotate an endpoint's signing secret.")
class RotateWebhookSecretInput(WebhookEndpointInput):
    pass


@strawberry.input(description="Delete an endpoint.")
class DeleteWebhookInput(WebhookEndpointInput):
    pass


@strawberry.type(description="Result of registerWebhook.")
class RegisterWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of updateWebhook.")
class UpdateWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of pauseWebhook.")
class PauseWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of resumeWebhook.")
class ResumeWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of rotateWebhookSecret.")
class RotateWebhookSecretPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of deleteWebhook.")
class DeleteWebhookPayload(WebhookPayload):
    pass


@strawberry.input(description="A delivery to send again now.")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery.")


@strawberry.type(description="Result of redeliverWebhook.")
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="The delivery, pending again.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


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

    @strawberry.mutation(description="A new signing secret; the payload shows it once.")
    async def rotate_webhook_secret(self, info: Info[EventsContext, None], input: RotateWebhookSecretInput) -> RotateWebhookSecretPayload:
        return RotateWebhookSecretPayload.of(
            await attempt_for_caller(info.context, lambda h, p: h.rotate_secret(p, str(input.endpoint_id))), with_secret=True
        )

    @strawberry.mutation(description="Delete an endpoint.")
    async def delete_webhook(self, info: Info[EventsContext, None], input: DeleteWebhookInput) -> DeleteWebhookPayload:
        return DeleteWebhookPayload.of(await attempt_for_caller(info.context, lambda h, p: h.delete(p, str(input.endpoint_id))))

    @strawberry.mutation(description="Send one delivery again now.")
    async def redeliver_webhook(self, info: Info[EventsContext, None], input: RedeliverWebhookInput) -> RedeliverWebhookPayload:
        delivery, errors = await attempt_for_caller(info.context, lambda h, p: h.redeliver(p, str(input.delivery_id)))
        return RedeliverWebhookPayload(delivery=WebhookDelivery.of(delivery) if delivery else None, errors=errors)
