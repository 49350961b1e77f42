"""Composition root of the people service: store, handlers, consumers and schema wired together."""

from __future__ import annotations

from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep
from services.people.consumers import PeopleConsumers
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


create_app = service_factory("people", build_schema, wire)
