"""Composition root of the people service: store, handlers, consumers, schema and file downloads wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette

from services.common.app import Runtime, ServiceDefinition, ServiceParts, contexts, create_service_app, utc_now
from services.common.bus import Bus
from services.common.privacy import RetentionSweep
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.people.consumers import PeopleConsumers
from services.people.downloads import DOWNLOAD_ROUTES
from services.people.handlers import PeopleHandlers
from services.people.schema import build_schema
from services.people.schema.context import PeopleContext
from services.people.settings import people_settings
from services.people.store import PeopleStore

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the people service's parts from the runtime the app factory opened."""
    store = PeopleStore(runtime.database, retention_days=runtime.settings.personal_data_retention_days)
    handlers = PeopleHandlers(store, people_settings(runtime.settings), clock=runtime.clock, notify=runtime.notify_outbox)
    sweep = RetentionSweep(handlers.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)
    return ServiceParts(
        context_factory=contexts(PeopleContext, handlers=handlers),
        outbox_collections=store.outbox_collections,
        create_indexes=store.create_indexes,
        subscriptions=[PeopleConsumers(handlers).subscription()],
        handlers=handlers,
        on_start=sweep.start,
        on_stop=sweep.stop,
    )


def create_app(
    settings: Settings | None = None, *, memory: MemoryServer | None = None, bus: Bus | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    """The people service's ASGI app (GraphQL, and the certificate and hours downloads); ``memory`` and a started ``bus`` may be shared."""
    settings = settings or Settings()
    definition = ServiceDefinition("people", build_schema(settings), wire, extra_routes=DOWNLOAD_ROUTES)
    return create_service_app(definition, settings, memory=memory, bus=bus, clock=clock)
