"""A webhook receiver for trying the partner webhooks locally: ``python -m services receive-webhooks``.

It answers every POST with 204, prints one line per delivery (the event's type and id, and whether
its Standard Webhooks signature verifies, when ``--secret`` — the ``whsec_…`` that
``registerWebhook`` showed once — is given), and keeps what it received for tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["Received", "receiver_app"]


@dataclass
class Received:
    """Every delivery the receiver was sent, in order: the headers that matter and the CloudEvent."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)


def receiver_app(*, secret: str | None = None, echo: bool = True) -> Starlette:
    """The receiver; ``app.state.received`` holds the deliveries."""
    received = Received()

    async def receive(request: Request) -> Response:
        body = await request.body()
        headers = {name: request.headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        verified: bool | None = None
        if secret is not None:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        received.deliveries.append({"path": request.url.path, "headers": headers, "event": event, "body": body, "verified": verified})
        if echo:
            kind = event.get("type") if isinstance(event, dict) else "(not JSON)"
            check = "" if verified is None else ("  signature ok" if verified else "  SIGNATURE DOES NOT VERIFY")
            print(f"{request.url.path}  {headers['webhook-id']}  {kind}{check}", flush=True)
        return Response(status_code=204)

    app = Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
    app.state.received = received
    return app
