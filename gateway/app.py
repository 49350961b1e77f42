"""The gateway's ASGI app: the federated graph on /graphql, GraphiQL on a browser GET, /health, /ready, /metrics,
and the services' files (report exports, evidence, certificates: :mod:`gateway.downloads`) streamed through.

The supergraph is composed at start-up from the subgraphs' ``_service { sdl }`` (waiting for
them to come up), or loaded from ``SUPERGRAPH_FILE``. The caller's JWT is checked here and
forwarded; every subgraph checks it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute

from gateway.client import SubgraphClient, forwarded
from gateway.composition import compose
from gateway.console import asset, console_html, describe_graph
from gateway.dedup import InboundDeduplicator
from gateway.downloads import FILE_ROUTES, UPLOAD_PREFIX, FileProxy, FileRoute, json_error
from gateway.endpoint import GatewayApp, GraphQLEndpoint, OrjsonResponse, admitted, bad_request, rate_limited
from gateway.execution import SubgraphError
from gateway.file_transport import AiohttpFileTransport, FileTransport
from gateway.gateway import Gateway
from gateway.keep_alive import KeepAliveTransport
from gateway.model import Subgraph, Supergraph
from gateway.notice import notice_page
from gateway.operating import MeasuredGateway, ready
from gateway.planner import query_graph
from gateway.rate_limit import RateLimiter
from gateway.settings import GatewaySettings
from gateway.supergraph_sdl import load_supergraph
from gateway.transport import HttpTransport
from gateway.websocket import serve_websocket
from services.common.logs import RequestIdMiddleware
from services.common.metrics import ConnectionsMiddleware, metrics_endpoint
from services.common.request_limits import RequestLimitsMiddleware
from services.common.tracing import TraceMiddleware
from services.common.verified import RememberingVerifier

__all__ = ["compose_from_subgraphs", "create_gateway_app"]

log = logging.getLogger(__name__)


async def compose_from_subgraphs(client: SubgraphClient, subgraphs: dict[str, Subgraph], *, wait_s: float) -> Supergraph:
    """Fetch every subgraph's SDL (retrying while they start) and compose."""
    deadline = asyncio.get_running_loop().time() + wait_s
    sdls: dict[str, tuple[str, str]] = {}
    while True:
        for name, subgraph in subgraphs.items():
            if name in sdls:
                continue
            try:
                sdls[name] = (subgraph.url, await client.sdl(subgraph))
            except SubgraphError as error:
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"subgraph {name} at {subgraph.url} did not answer `_service {{ sdl }}`: {error!r}") from error
        if len(sdls) == len(subgraphs):
            return compose(sdls)
        await asyncio.sleep(0.2)


def create_gateway_app(
    settings: GatewaySettings | None = None, *, http: HttpTransport | None = None, files: FileTransport | None = None
) -> Starlette:
    """The gateway app; ``http`` and ``files`` may be injected (tests route them to in-process subgraphs)."""
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = http is None
        client_http = http or KeepAliveTransport(max_connections=200)
        files_http = files or AiohttpFileTransport()
        try:
            subgraphs = {name: Subgraph(name, url) for name, url in settings.subgraph_urls().items()}
            client = SubgraphClient(client_http, subgraphs, timeout_s=settings.subgraph_timeout_s, dedup=settings.dedup_outbound)
            if settings.supergraph_file:
                text = await asyncio.to_thread(pathlib.Path(settings.supergraph_file).read_text, encoding="utf-8")
                supergraph = load_supergraph(text)
                client = SubgraphClient(
                    client_http, supergraph.subgraphs, timeout_s=settings.subgraph_timeout_s, dedup=settings.dedup_outbound
                )
            else:
                supergraph = await compose_from_subgraphs(client, subgraphs, wait_s=settings.compose_wait_s)
            describe_graph(supergraph.schema)
            app.state.gateway = MeasuredGateway(supergraph, client, settings)
            query_graph(supergraph)  # built once now, not during the first request
            app.state.client = client
            app.state.files = FileProxy(
                files_http,
                {name: subgraph.url for name, subgraph in supergraph.subgraphs.items()},
                connect_timeout_s=min(settings.subgraph_timeout_s, 2.0),
                read_timeout_s=settings.download_timeout_s,
            )
            app.state.verifier = RememberingVerifier(settings)
            app.state.inbound = InboundDeduplicator(enabled=settings.dedup_inbound, max_tokens=settings.graphql_max_tokens)
            app.state.limiter = RateLimiter(settings.rate_limit, settings.rate_limit_storage) if settings.rate_limit else None
            app.state.address_limiter = (
                RateLimiter(settings.rate_limit_per_address, settings.rate_limit_storage, per="client address")
                if settings.rate_limit_per_address
                else None
            )
            log.info("gateway ready over %s", ", ".join(supergraph.subgraphs))
            yield
        finally:
            if owned:
                await client_http.close()
            if files is None:
                await files_http.close()

    async def graphql(request: Request) -> Response:
        """A GET of ``/graphql``: the console for a browser, else a query from the query string (never a mutation)."""
        if "text/html" in request.headers.get("accept", "") and "query" not in request.query_params:
            if not settings.graphql_ide:
                return OrjsonResponse({"errors": [{"message": "the console is turned off"}]}, status_code=404)
            return HTMLResponse(console_html())
        headers = forwarded(request.headers)
        caller = await admitted(request)
        if isinstance(caller, Response):
            return caller
        try:
            variables = orjson.loads(request.query_params.get("variables") or "null")
        except orjson.JSONDecodeError:
            return bad_request("the `variables` query parameter is not JSON")
        body: Any = {
            "query": request.query_params.get("query"),
            "operationName": request.query_params.get("operationName"),
            "variables": variables,
        }
        gateway: Gateway = request.app.state.gateway
        inbound: InboundDeduplicator = request.app.state.inbound
        return await inbound.respond(body, headers, lambda: gateway.execute(body, headers, allow_mutations=False))

    async def health(request: Request) -> OrjsonResponse:
        return OrjsonResponse({"status": "ok", "service": "gateway"})

    async def notice(request: Request) -> Response:
        """The printable 公示 page of a community, counted against the caller's address like any anonymous request."""
        limited = await rate_limited(request, None)
        return limited if limited is not None else await notice_page(request)

    def file_endpoint(route: FileRoute) -> Callable[[Request], Awaitable[Response]]:
        """A file route: counted like any request, its token verified here and again by the service, then streamed through."""

        async def endpoint(request: Request) -> Response:
            refused = await admitted(request, refused_status=401)
            if isinstance(refused, Response):
                return refused
            proxy: FileProxy | None = getattr(request.app.state, "files", None)
            if proxy is None:
                return json_error(503, "the gateway is starting", "NOT_READY")
            return await proxy.forward(request, route)

        return endpoint

    endpoint = GraphQLEndpoint(graphql)
    return GatewayApp(
        graphql=endpoint,
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", serve_websocket),
            Route("/console/{name}", asset),
            Route("/notice/{community_id}", notice),
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics_endpoint),
            *(Route(route.path, file_endpoint(route), methods=list(route.methods)) for route in FILE_ROUTES),
        ],
        middleware=[
            Middleware(
                RequestLimitsMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_header_bytes=settings.max_header_bytes,
                larger_bodies={UPLOAD_PREFIX: settings.evidence_max_bytes},
            ),
            Middleware(RequestIdMiddleware),
            Middleware(ConnectionsMiddleware, service="gateway"),
            Middleware(TraceMiddleware, service="gateway"),
        ],
        lifespan=lifespan,
    )
