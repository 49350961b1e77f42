"""Composition root of the events service: feed, its tail, webhooks, dispatcher and schema wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from graphql import GraphQLSchema
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from services.common.app import Runtime, ServiceParts, contexts, service_factory, utc_now
from services.common.bus import Bus
from services.common.graphql.view import GraphQLView
from services.common.privacy import RetentionSweep
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.events.consumers import EventsConsumers
from services.events.delivery import Dispatcher
from services.events.handlers import EventsHandlers
from services.events.privacy import FeedPrivacy
from services.events.schema import build_schema
from services.events.schema.context import EventsContext
from services.events.schema.frames import Frames
from services.events.schema.sockets import socket_handler
from services.events.schema.types import DomainEvent
from services.events.store import EventsStore

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the events service's parts from the runtime the app factory opened."""
    store = EventsStore(runtime.database)
    handlers = EventsHandlers(store, runtime.settings, clock=runtime.clock, bus=runtime.bus)
    dispatcher = Dispatcher(handlers, runtime.settings, clock=runtime.clock)
    handlers.dispatcher = dispatcher
    privacy = FeedPrivacy(
        runtime.database, store.feed, store.places, default_days=runtime.settings.personal_data_retention_days, clock=runtime.clock
    )
    sweep = RetentionSweep(privacy.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)

    async def create_indexes() -> None:
        await store.create_indexes()
        await privacy.create_indexes()

    async def start() -> None:
        await dispatcher.start()
        await sweep.start()

    async def stop() -> None:
        await sweep.stop()
        await dispatcher.stop()
        await handlers.tail.close()

    return ServiceParts(
        context_factory=contexts(EventsContext, handlers=handlers),
        outbox_collections=(),
        create_indexes=create_indexes,
        subscriptions=[EventsConsumers(handlers, privacy).subscription()],
        handlers=handlers,
        on_start=start,
        on_stop=stop,
    )


_create_service_app = service_factory("events", build_schema, wire)


def create_app(
    settings: Settings | None = None, *, memory: MemoryServer | None = None, bus: Bus | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    """The events service's app: the platform's service app, its graphql-transport-ws handler sharing live frames and
    authorizing subscriptions one by one (:mod:`services.events.schema.sockets`)."""
    app = _create_service_app(settings, memory=memory, bus=bus, clock=clock)
    for route in app.routes:
        if isinstance(route, WebSocketRoute) and isinstance(route.endpoint, GraphQLView):
            view = route.endpoint
            schema: GraphQLSchema = getattr(view.schema, "_schema")  # noqa: B009 - strawberry's graphql-core schema
            app.state.frames = frames = Frames(schema, DomainEvent.of)
            view.graphql_transport_ws_handler_class = socket_handler(frames)
    return app
