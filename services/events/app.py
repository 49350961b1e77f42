"""Composition root of the events service: feed, its tail, webhooks, dispatcher and schema wired together."""

from __future__ import annotations

from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep
from services.events.consumers import EventsConsumers
from services.events.delivery import Dispatcher
from services.events.handlers import EventsHandlers
from services.events.privacy import FeedPrivacy
from services.events.schema import build_schema
from services.events.schema.context import EventsContext
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


create_app = service_factory("events", build_schema, wire)
