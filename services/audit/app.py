"""Composition root of the audit service: trail store, privacy, consumers and schema wired together."""

from __future__ import annotations

from services.audit.consumers import AuditConsumers
from services.audit.handlers import AuditHandlers
from services.audit.privacy import AuditPrivacy
from services.audit.schema import build_schema
from services.audit.schema.context import AuditContext
from services.audit.store import AuditStore
from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the audit service's parts from the runtime the app factory opened."""
    store = AuditStore(runtime.database)
    handlers = AuditHandlers(store)
    privacy = AuditPrivacy(runtime.database, store, default_days=runtime.settings.personal_data_retention_days, clock=runtime.clock)
    handlers.privacy = privacy
    sweep = RetentionSweep(privacy.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)
    return ServiceParts(
        context_factory=contexts(AuditContext, handlers=handlers),
        outbox_collections=(),
        create_indexes=store.create_indexes,
        subscriptions=[AuditConsumers(store, privacy).subscription()],
        handlers=handlers,
        on_start=sweep.start,
        on_stop=sweep.stop,
    )


create_app = service_factory("audit", build_schema, wire)
