"""Composition root of the orgs service: store, handlers, consumers and schema wired together."""

from __future__ import annotations

from services.common.app import Runtime, ServiceParts, contexts, service_factory
from services.common.privacy import RetentionSweep
from services.orgs.applications import Applications, ApplicationsStore
from services.orgs.consumers import OrgsConsumers
from services.orgs.handlers import OrgsHandlers
from services.orgs.privacy import PrivacyRequests, PrivacyRequestsStore
from services.orgs.schema import build_schema
from services.orgs.schema.context import OrgsContext
from services.orgs.statistics import OrganizationStatistics
from services.orgs.store import OrgsStore

__all__ = ["create_app", "wire"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the orgs service's parts from the runtime the app factory opened."""
    store = OrgsStore(runtime.database)
    handlers = OrgsHandlers(store, clock=runtime.clock, notify=runtime.notify_outbox)
    statistics = OrganizationStatistics(store)
    applications = Applications(ApplicationsStore(runtime.database), handlers, clock=runtime.clock, notify=runtime.notify_outbox)
    privacy = PrivacyRequests(
        PrivacyRequestsStore(runtime.database),
        store,
        applications.store,
        clock=runtime.clock,
        notify=runtime.notify_outbox,
        default_days=runtime.settings.personal_data_retention_days,
    )
    sweep = RetentionSweep(privacy.anonymise_expired, interval_s=runtime.settings.privacy_sweep_interval_s)

    async def prepare_store() -> None:
        await store.create_indexes()
        await applications.store.create_indexes()
        await privacy.store.create_indexes()
        await handlers.upgrade_service_links()
        await statistics.build_missing()

    return ServiceParts(
        context_factory=contexts(OrgsContext, handlers=handlers, applications=applications, privacy=privacy, statistics=statistics),
        outbox_collections=(*store.outbox_collections, applications.store.collection, privacy.store.collection),
        create_indexes=prepare_store,
        subscriptions=[OrgsConsumers(handlers, privacy, statistics).subscription()],
        handlers=handlers,
        on_start=sweep.start,
        on_stop=sweep.stop,
    )


create_app = service_factory("orgs", build_schema, wire)
