"""Inputs and payloads of the webhook mutations."""

from __future__ import annotations

from typing import Self

import strawberry

from services.common.graphql.errors import UserError
from services.common.text import MULTILINE
from services.events.domain import Endpoint
from services.events.schema.types import WebhookDelivery, WebhookEndpoint

__all__ = [
    "DeleteWebhookInput",
    "DeleteWebhookPayload",
    "PauseWebhookInput",
    "PauseWebhookPayload",
    "RedeliverWebhookInput",
    "RedeliverWebhookPayload",
    "RegisterWebhookInput",
    "RegisterWebhookPayload",
    "RenewWebhookInput",
    "RenewWebhookPayload",
    "ResumeWebhookInput",
    "ResumeWebhookPayload",
    "RevokeWebhookAccessInput",
    "RevokeWebhookAccessPayload",
    "RotateWebhookSecretInput",
    "RotateWebhookSecretPayload",
    "UpdateWebhookInput",
    "UpdateWebhookPayload",
]


@strawberry.type(description="Result of a webhook endpoint mutation.")
class WebhookPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint after the change; null if nothing changed.")
    secret: str | None = strawberry.field(description="The signing secret (whsec_…): shown only when registering or rotating.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    def of(cls, result: tuple[Endpoint | None, list[UserError]], *, with_secret: bool = False) -> Self:
        """From an attempt's result."""
        endpoint, errors = result
        return cls(
            endpoint=WebhookEndpoint.of(endpoint) if endpoint else None,
            secret=endpoint.secret if endpoint and with_secret else None,
            errors=errors,
        )


@strawberry.input(description="Register a webhook endpoint over communities you may see.")
class RegisterWebhookInput:
    url: str = strawberry.field(description="http(s) URL that receives POSTed CloudEvents.")
    types: list[str] | None = strawberry.field(default=None, description="Routing keys to receive; default every event you may see.")
    communities: list[strawberry.ID] | None = strawberry.field(default=None, description="Communities to follow; default all of yours.")
    description: str = strawberry.field(metadata=MULTILINE, default="", description="What it is for.")


@strawberry.input(description="Change a webhook endpoint.")
class UpdateWebhookInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    types: list[str] | None = strawberry.field(default=None, description="New routing keys (empty list: every event).")
    description: str | None = strawberry.field(metadata=MULTILINE, default=None, description="A new description.")


@strawberry.input(description="One of your webhook endpoints.")
class WebhookEndpointInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")


@strawberry.input(description="Pause an endpoint.")
class PauseWebhookInput(WebhookEndpointInput):
    pass


@strawberry.input(description="Resume an endpoint.")
class ResumeWebhookInput(WebhookEndpointInput):
    pass


@strawberry.input(description="Rotate an endpoint's signing secret.")
class RotateWebhookSecretInput(WebhookEndpointInput):
    overlap_hours: float | None = strawberry.field(
        default=None,
        description="How long the old secret keeps signing beside the new one (0–168 hours; default 24). 0 drops it now (a leaked secret).",
    )


@strawberry.input(description="Renew an endpoint's grant with your current token.")
class RenewWebhookInput(WebhookEndpointInput):
    pass


@strawberry.input(description="Take your community out of a webhook endpoint's scope (staff, district administrators).")
class RevokeWebhookAccessInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint following the community.")
    community_id: strawberry.ID = strawberry.field(description="Your community.")


@strawberry.input(description="Delete an endpoint.")
class DeleteWebhookInput(WebhookEndpointInput):
    pass


@strawberry.type(description="Result of registerWebhook.")
class RegisterWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of updateWebhook.")
class UpdateWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of pauseWebhook.")
class PauseWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of resumeWebhook.")
class ResumeWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of rotateWebhookSecret.")
class RotateWebhookSecretPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of renewWebhook.")
class RenewWebhookPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of revokeWebhookAccess.")
class RevokeWebhookAccessPayload(WebhookPayload):
    pass


@strawberry.type(description="Result of deleteWebhook.")
class DeleteWebhookPayload(WebhookPayload):
    pass


@strawberry.input(description="A delivery to send again now.")
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery.")


@strawberry.type(description="Result of redeliverWebhook.")
class RedeliverWebhookPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="The delivery, pending again.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")
