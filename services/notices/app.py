"""Composition root of the notices service: store, handlers, consumer, worker and schema wired together."""

from __future__ import annotations

from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep
from services.notices.consumers import NoticesConsumers
from services.notices.handlers import NoticesHandlers
from services.notices.personal import NoticesPersonalData
from services.notices.schema import build_schema
from services.notices.schema.context import NoticesContext
from services.notices.settings import notices_settings
from services.notices.store import NoticesStore
from services.notices.worker import NoticesWorker

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the notices service's parts from the runtime the app factory opened."""
    store = NoticesStore(runtime.database)
    handlers = NoticesHandlers(store, notices_settings(runtime.settings), clock=runtime.clock)
    worker = NoticesWorker(handlers, clock=runtime.clock)
    handlers.worker = worker
    personal = NoticesPersonalData(runtime.database, store, default_days=runtime.settings.personal_data_retention_days, clock=runtime.clock)
    sweep = RetentionSweep(personal.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)

    async def create_indexes() -> None:
        await store.create_indexes()
        await personal.create_indexes()

    async def start() -> None:
        await worker.start()
        await sweep.start()

    async def stop() -> None:
        await sweep.stop()
        await worker.stop()

    return ServiceParts(
        context_factory=contexts(NoticesContext, handlers=handlers),
        outbox_collections=(),
        create_indexes=create_indexes,
        subscriptions=[NoticesConsumers(handlers, personal).subscription()],
        handlers=handlers,
        on_start=start,
        on_stop=stop,
    )


create_app = service_factory("notices", build_schema, wire)
