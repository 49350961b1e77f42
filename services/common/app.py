"""The app factory: one Starlette app per service, its clients made in the lifespan.

A service describes itself with a :class:`ServiceDefinition` (its name, its schema, and a
``wire`` function that builds its store, handlers and consumers from the runtime). The factory
opens the store and the bus, creates the indexes, runs the outbox relay (first sweep at
start-up), subscribes the consumers (measured), and serves GraphQL on HTTP and WebSocket,
``/health``, ``/ready`` and ``/metrics``. Nothing is created at import time.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.schema import BaseSchema

from services.common.bus import Bus, Subscription
from services.common.bus.memory import InProcessBus
from services.common.bus.rabbit import RabbitBus
from services.common.graphql.view import ContextFactory, GraphQLView
from services.common.identity import Principal
from services.common.logs import RequestIdMiddleware
from services.common.metrics import ConnectionsMiddleware, OperationMetrics, metrics_endpoint
from services.common.observed import observed_subscription
from services.common.outbox import OutboxRelay
from services.common.request_limits import RequestLimitsMiddleware
from services.common.settings import Settings
from services.common.store import Collection, Database, connect
from services.common.store.memory import MemoryServer
from services.common.tracing import TraceMiddleware
from services.common.verified import RememberingVerifier

__all__ = [
    "AppFactory",
    "Runtime",
    "ServiceDefinition",
    "ServiceParts",
    "contexts",
    "create_service_app",
    "make_bus",
    "service_factory",
    "utc_now",
]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The platform clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Runtime:
    """What a service's ``wire`` gets: its database, the bus, the clock, and the outbox nudge."""

    settings: Settings
    database: Database
    bus: Bus
    clock: Callable[[], datetime]
    notify_outbox: Callable[[], None]


@dataclass(frozen=True)
class ServiceParts:
    """What a service's ``wire`` returns."""

    context_factory: ContextFactory
    outbox_collections: Sequence[Collection]
    create_indexes: Callable[[], Awaitable[None]]
    subscriptions: Sequence[Subscription] = ()
    handlers: Any = None
    on_start: Callable[[], Awaitable[None]] | None = None
    on_stop: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class ServiceDefinition:
    """A service as the factory sees it."""

    name: str
    schema: BaseSchema
    wire: Callable[[Runtime], ServiceParts]
    extra_routes: Sequence[Route] = field(default=())
    larger_bodies: Mapping[str, int] = field(default_factory=dict)
    """Path prefixes of extra routes whose request bodies may exceed ``max_body_bytes`` (file uploads), and their limit."""


def make_bus(settings: Settings) -> Bus:
    """RabbitMQ when ``AMQP_URL`` is set, otherwise the in-process bus."""
    if settings.amqp_url:
        return RabbitBus(
            settings.amqp_url,
            namespace=settings.events_exchange,
            prefetch=settings.bus_prefetch,
            delivery_limit=settings.bus_delivery_limit,
            retry_delays_ms=settings.bus_retry_delays_ms,
        )
    return InProcessBus(delivery_limit=settings.bus_delivery_limit, retry_delays_ms=settings.bus_retry_delays_ms)


def create_service_app(
    definition: ServiceDefinition,
    settings: Settings,
    *,
    memory: MemoryServer | None = None,
    bus: Bus | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """The service's ASGI app. ``memory`` and a started ``bus`` may be shared (embedded mode, tests)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = connect(settings.mongodb_url, memory=memory)
        owned_bus = bus is None
        the_bus = bus if bus is not None else make_bus(settings)
        relay: OutboxRelay | None = None
        parts: ServiceParts | None = None

        def notify_outbox() -> None:
            if relay is not None:
                relay.notify()

        try:
            if owned_bus:
                await the_bus.start()
            database = store.database(f"renling_{definition.name}")
            parts = definition.wire(Runtime(settings, database, the_bus, clock, notify_outbox))
            await parts.create_indexes()
            relay = OutboxRelay(the_bus, parts.outbox_collections, interval_s=settings.outbox_interval_s)
            await relay.start()
            for subscription in parts.subscriptions:
                await the_bus.subscribe(observed_subscription(subscription))
            if parts.on_start is not None:
                await parts.on_start()
            app.state.verifier = RememberingVerifier(settings)
            app.state.context_factory = parts.context_factory
            app.state.database = database
            app.state.bus = the_bus
            app.state.relay = relay
            app.state.handlers = parts.handlers
            log.info("%s service ready", definition.name)
            yield
        finally:
            if parts is not None and parts.on_stop is not None:
                await parts.on_stop()
            if relay is not None:
                await relay.stop()
            if owned_bus:
                await the_bus.close()
            await store.close()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "service": definition.name})

    async def ready(request: Request) -> JSONResponse:
        checks: dict[str, bool] = {}
        try:
            await request.app.state.database.ping()
            checks["store"] = True
        except Exception:  # noqa: BLE001 - not ready is the answer, whatever the cause
            checks["store"] = False
        checks["bus"] = bool(await request.app.state.bus.ping())
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    schema: Any = definition.schema
    if not any(extension is OperationMetrics or getattr(extension, "func", None) is OperationMetrics for extension in schema.extensions):
        schema.extensions = (*schema.extensions, functools.partial(OperationMetrics, service=definition.name))
    view = GraphQLView(definition.schema, graphql_ide=settings.graphql_ide)
    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics_endpoint),
            *definition.extra_routes,
        ],
        middleware=[
            Middleware(
                RequestLimitsMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_header_bytes=settings.max_header_bytes,
                larger_bodies=definition.larger_bodies,
            ),
            Middleware(RequestIdMiddleware),
            Middleware(ConnectionsMiddleware, service=definition.name),
            Middleware(TraceMiddleware, service=definition.name),
        ],
        lifespan=lifespan,
    )


def contexts(context_type: Callable[..., Any], **parts: Any) -> ContextFactory:
    """A context factory making ``context_type(request=…, response=…, principal=…, auth_error=…, **parts)``."""

    async def make(
        request: Request | WebSocket, response: Response | WebSocket | None, principal: Principal | None, auth_error: str | None
    ) -> Any:
        return context_type(request=request, response=response, principal=principal, auth_error=auth_error, **parts)

    return make


class AppFactory(Protocol):
    """``create_app(settings, *, memory, bus, clock)`` of a service."""

    def __call__(
        self,
        settings: Settings | None = None,
        *,
        memory: MemoryServer | None = None,
        bus: Bus | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> Starlette:
        """The service's ASGI app; ``memory`` and a started ``bus`` may be shared."""


def service_factory(name: str, build_schema: Callable[[Settings], BaseSchema], wire: Callable[[Runtime], ServiceParts]) -> AppFactory:
    """The ``create_app`` of a service, from its name, schema builder and ``wire``."""

    def create_app(
        settings: Settings | None = None,
        *,
        memory: MemoryServer | None = None,
        bus: Bus | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> Starlette:
        settings = settings or Settings()
        return create_service_app(ServiceDefinition(name, build_schema(settings), wire), settings, memory=memory, bus=bus, clock=clock)

    return create_app
