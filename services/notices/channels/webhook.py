"""A person's own webhook: the notice POSTed as JSON, signed per the Standard Webhooks spec."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import httpx
from standardwebhooks.webhooks import Webhook

from services.notices.channels.port import DeliveryFailed
from services.notices.domain import Channel, Notice, Preferences

__all__ = ["WebhookChannel", "notice_body"]


def notice_body(notice: Notice) -> str:
    """The JSON a webhook receives."""
    return json.dumps(
        {
            "id": notice.id,
            "kind": notice.kind.value,
            "communityId": notice.community_id,
            "title": notice.title,
            "body": notice.body,
            "subjectId": notice.subject_id,
            "createdAt": notice.created_at.isoformat(),
        },
        ensure_ascii=False,
    )


class WebhookChannel:
    """``webhook-id`` is the notice id (the same on every retry), with timestamp and signature headers."""

    channel = Channel.WEBHOOK

    def __init__(self, http: httpx.AsyncClient, secret: str, *, clock: Callable[[], datetime]) -> None:
        self._http = http
        self._webhook = Webhook(secret)
        self._clock = clock

    async def send(self, notice: Notice, preferences: Preferences) -> None:
        """POST the notice; a 2xx answer is delivery."""
        if not preferences.webhook_url:
            raise DeliveryFailed("no webhook URL", retry=False)
        now = self._clock()
        body = notice_body(notice)
        headers = {
            "content-type": "application/json",
            "webhook-id": notice.id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._webhook.sign(notice.id, now, body),
        }
        try:
            response = await self._http.post(preferences.webhook_url, content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(type(error).__name__) from error
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"HTTP {response.status_code}", retry=response.status_code not in (400, 404, 410))
