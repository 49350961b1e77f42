"""Composition root of the audit service: trail store, consumers and schema wired together."""

from __future__ import annotations

from services.audit.consumers import AuditConsumers
from services.audit.handlers import AuditHandlers
from services.audit.schema import build_schema
from services.audit.schema.context import AuditContext
from services.audit.store import AuditStore
from services.common.app import Runtime, ServiceParts, contexts, service_factory

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the audit service's parts from the runtime the app factory opened."""
    store = AuditStore(runtime.database)
    handlers = AuditHandlers(store)
    return ServiceParts(
        context_factory=contexts(AuditContext, handlers=handlers),
        outbox_collections=(),
        create_indexes=store.create_indexes,
        subscriptions=[AuditConsumers(store).subscription()],
        handlers=handlers,
    )


create_app = service_factory("audit", build_schema, wire)
