"""Composition root of the evidence service: records, file storage, upload and download routes, and schema wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette

from services.common.app import Runtime, ServiceDefinition, ServiceParts, contexts, create_service_app, utc_now
from services.common.bus import Bus
from services.common.privacy import RetentionSweep
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.evidence.consumers import EvidenceConsumers
from services.evidence.handlers import EvidenceHandlers
from services.evidence.personal import EvidencePersonalData
from services.evidence.routes import FILE_ROUTES
from services.evidence.schema import build_schema
from services.evidence.schema.context import EvidenceContext
from services.evidence.store import EvidenceStore

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the evidence service's parts from the runtime the app factory opened."""
    store = EvidenceStore(runtime.database)
    handlers = EvidenceHandlers(store, runtime.settings, clock=runtime.clock, notify=runtime.notify_outbox)
    personal = EvidencePersonalData(
        runtime.database, store.evidence, store.places, default_days=runtime.settings.personal_data_retention_days, clock=runtime.clock
    )
    sweep = RetentionSweep(personal.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)

    async def create_indexes() -> None:
        await store.create_indexes()
        await personal.create_indexes()

    return ServiceParts(
        context_factory=contexts(EvidenceContext, handlers=handlers),
        outbox_collections=(store.evidence,),
        create_indexes=create_indexes,
        subscriptions=[EvidenceConsumers(store, personal).subscription()],
        handlers=handlers,
        on_start=sweep.start,
        on_stop=sweep.stop,
    )


def create_app(
    settings: Settings | None = None, *, memory: MemoryServer | None = None, bus: Bus | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    """The evidence service's ASGI app (GraphQL, uploads and downloads); only uploads may be as large as the largest evidence file."""
    settings = settings or Settings()
    definition = ServiceDefinition(
        "evidence", build_schema(settings), wire, extra_routes=FILE_ROUTES, larger_bodies={"/uploads/": settings.evidence_max_bytes}
    )
    return create_service_app(definition, settings, memory=memory, bus=bus, clock=clock)
