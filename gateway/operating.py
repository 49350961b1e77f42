"""The gateway's operational side: ``/ready``, and the executor measured for ``/metrics``.

``/ready`` answers 200 when the supergraph is loaded and every subgraph answers a GraphQL request
now, 503 (with what is missing) otherwise, so an orchestrator sends traffic only to a gateway
that can serve it. :class:`MeasuredGateway` counts and times each operation by name and outcome,
and the plan cache's hits and misses; it names the request's span after the operation and plans
a new operation inside a ``plan`` span.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from graphql import DocumentNode
from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.client import SubgraphClient
from gateway.gateway import Gateway, RawPayload
from gateway.planning import Plan
from gateway.shaping import OperationShape
from services.common.metrics import PLAN_CACHE, SUBSCRIPTIONS, observe_operation, operation_label, outcome_of
from services.common.tracing import name_current_span, span

__all__ = ["MeasuredGateway", "ready"]


class MeasuredGateway(Gateway):
    """The gateway's executor, with every operation and plan cache lookup measured."""

    async def execute(self, body: Mapping[str, Any], headers: dict[str, str], **options: Any) -> dict[str, Any]:
        """As :meth:`Gateway.execute`, counted by operation name and outcome, and timed."""
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await super().execute(body, headers, **options)
            outcome = outcome_of(response)
            return response
        finally:
            label = observe_operation("gateway", body.get("operationName"), outcome, started, self._document_of(body))
            name_current_span(f"gateway {label}", **{"graphql.operation.name": label, "renling.outcome": outcome})

    async def subscribe(
        self, body: Mapping[str, Any], headers: dict[str, str], **options: Any
    ) -> AsyncIterator[dict[str, Any] | RawPayload]:
        """As :meth:`Gateway.subscribe`, counted in ``renling_subscriptions_active`` while it runs; the current span
        (the WebSocket operation's) is named ``gateway subscribe <operation>`` at its end."""
        active = SUBSCRIPTIONS.labels("gateway")
        active.inc()
        try:
            async for response in super().subscribe(body, headers, **options):
                yield response
        finally:
            active.dec()
            label = operation_label(body.get("operationName"), self._document_of(body))
            name_current_span(f"gateway subscribe {label}", **{"graphql.operation.name": label})

    def _document_of(self, body: Mapping[str, Any]) -> DocumentNode | None:
        """The operation's parsed document, if it was planned (for its label: the anonymous ones are named by root fields)."""
        name, query = body.get("operationName"), body.get("query")
        planned = self._plans.get((query, name)) if isinstance(query, str) and (name is None or isinstance(name, str)) else None
        return planned[0] if planned is not None else None

    def _plan(self, query: str, operation_name: str | None) -> tuple[DocumentNode, Plan, OperationShape]:
        hit = (query, operation_name) in self._plans
        PLAN_CACHE.labels("hit" if hit else "miss").inc()
        if hit:
            return super()._plan(query, operation_name)
        with span("plan", attributes={"renling.plan_cache": "miss"}):
            return super()._plan(query, operation_name)


async def ready(request: Request) -> JSONResponse:
    """Supergraph loaded and every subgraph reachable: 200; else 503 with the checks."""
    gateway: Gateway | None = getattr(request.app.state, "gateway", None)
    client: SubgraphClient | None = getattr(request.app.state, "client", None)
    checks: dict[str, bool] = {"supergraph": gateway is not None}
    if client is not None:
        names = client.subgraphs
        answers = await asyncio.gather(*(client.reachable(name) for name in names))
        checks.update({f"subgraph:{name}": answer for name, answer in zip(names, answers, strict=True)})
    else:
        checks["subgraphs"] = False
    ok = all(checks.values())
    return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)
