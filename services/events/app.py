"""Composition root of the events service: feed, its tail, webhooks, dispatcher and schema wired together."""

from __future__ import annotations

from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.events.consumers import EventsConsumers
from services.events.delivery import Dispatcher
from services.events.handlers import EventsHandlers
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

    async def stop() -> None:
        await dispatcher.stop()
        await handlers.tail.close()

    return ServiceParts(
        context_factory=contexts(EventsContext, handlers=handlers),
        outbox_collections=(),
        create_indexes=store.create_indexes,
        subscriptions=[EventsConsumers(handlers).subscription()],
        handlers=handlers,
        on_start=dispatcher.start,
        on_stop=stop,
    )


create_app = service_factory("events", build_schema, wire)
