"""Composition root of the needs service: store, handlers, consumers and schema wired together."""

from __future__ import annotations

from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep
from services.needs.consumers import NeedsConsumers
from services.needs.handlers import NeedsHandlers
from services.needs.schema import build_schema
from services.needs.schema.context import NeedsContext
from services.needs.store import NeedsStore

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the needs service's parts from the runtime the app factory opened."""
    store = NeedsStore(runtime.database, retention_days=runtime.settings.personal_data_retention_days)
    handlers = NeedsHandlers(store, clock=runtime.clock, notify=runtime.notify_outbox)
    sweep = RetentionSweep(handlers.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)
    return ServiceParts(
        context_factory=contexts(NeedsContext, handlers=handlers),
        outbox_collections=store.outbox_collections,
        create_indexes=store.create_indexes,
        subscriptions=[NeedsConsumers(handlers).subscription()],
        handlers=handlers,
        on_start=sweep.start,
        on_stop=sweep.stop,
    )


create_app = service_factory("needs", build_schema, wire)
