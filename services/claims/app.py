"""Composition root of the claims service: store, handlers, consumers and schema wired together."""

from __future__ import annotations

from services.claims.consumers import ClaimsConsumers
from services.claims.handlers import ClaimsHandlers
from services.claims.schema import build_schema
from services.claims.schema.context import ClaimsContext
from services.claims.store import ClaimsStore
from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the claims service's parts from the runtime the app factory opened."""
    store = ClaimsStore(runtime.database, retention_days=runtime.settings.personal_data_retention_days)
    handlers = ClaimsHandlers(
        store, clock=runtime.clock, notify=runtime.notify_outbox, receipts_required=runtime.settings.disbursement_requires_receipt
    )
    sweep = RetentionSweep(handlers.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)
    return ServiceParts(
        context_factory=contexts(ClaimsContext, handlers=handlers),
        outbox_collections=store.outbox_collections,
        create_indexes=store.create_indexes,
        subscriptions=[ClaimsConsumers(handlers).subscription()],
        handlers=handlers,
        on_start=sweep.start,
        on_stop=sweep.stop,
    )


create_app = service_factory("claims", build_schema, wire)
