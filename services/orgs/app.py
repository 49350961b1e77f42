"""Composition root of the orgs service: store, handlers, consumers and schema wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from services.common.app import Runtime, ServiceDefinition, ServiceParts, create_service_app, utc_now
from services.common.bus import Bus
from services.common.identity import Principal
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.orgs.consumers import OrgsConsumers
from services.orgs.handlers import OrgsHandlers
from services.orgs.schema import build_schema
from services.orgs.schema.context import OrgsContext
from services.orgs.store import OrgsStore

__all__ = ["create_app", "definition"]


def wire(runtime: Runtime) -> ServiceParts:
    """Build the orgs service's parts from the runtime the factory opened."""
    store = OrgsStore(runtime.database)
    handlers = OrgsHandlers(store, clock=runtime.clock, notify=runtime.notify_outbox)
    consumers = OrgsConsumers(handlers)

    async def context(
        request: Request | WebSocket, response: Response | WebSocket | None, principal: Principal | None, auth_error: str | None
    ) -> OrgsContext:
        return OrgsContext(request=request, response=response, principal=principal, auth_error=auth_error, handlers=handlers)

    return ServiceParts(
        context_factory=context,
        outbox_collections=store.outbox_collections,
        create_indexes=store.create_indexes,
        subscriptions=[consumers.subscription()],
        handlers=handlers,
    )


def definition(settings: Settings) -> ServiceDefinition:
    """The orgs service as the app factory sees it."""
    return ServiceDefinition(name="orgs", schema=build_schema(settings), wire=wire)


def create_app(
    settings: Settings | None = None,
    *,
    memory: MemoryServer | None = None,
    bus: Bus | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """The orgs service's ASGI app."""
    settings = settings or Settings()
    return create_service_app(definition(settings), settings, memory=memory, bus=bus, clock=clock)
