"""Composition root of the disclosure service: read model, consumers, report downloads and schema wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette

from services.common.app import Runtime, ServiceDefinition, ServiceParts, contexts, create_service_app, utc_now
from services.common.bus import Bus
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.disclosure.consumers import DisclosureConsumers
from services.disclosure.exports import REPORT_ROUTES
from services.disclosure.handlers import DisclosureHandlers
from services.disclosure.schema import build_schema
from services.disclosure.schema.context import DisclosureContext
from services.disclosure.store import DisclosureStore

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the disclosure service's parts from the runtime the app factory opened."""
    store = DisclosureStore(runtime.database)
    handlers = DisclosureHandlers(store, clock=runtime.clock, notify=runtime.notify_outbox)
    return ServiceParts(
        context_factory=contexts(DisclosureContext, handlers=handlers),
        outbox_collections=(store.periods,),
        create_indexes=store.create_indexes,
        subscriptions=[DisclosureConsumers(store).subscription()],
        handlers=handlers,
    )


def create_app(
    settings: Settings | None = None, *, memory: MemoryServer | None = None, bus: Bus | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    """The disclosure service's ASGI app (GraphQL, and ``/reports`` downloads); ``memory`` and a started ``bus`` may be shared."""
    settings = settings or Settings()
    definition = ServiceDefinition("disclosure", build_schema(settings), wire, extra_routes=REPORT_ROUTES)
    return create_service_app(definition, settings, memory=memory, bus=bus, clock=clock)
