"""Which outgoing channels a deployment has: those whose settings are given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from services.notices.channels.port import OutgoingChannel
from services.notices.channels.sms import AliyunSms
from services.notices.channels.webhook import WebhookChannel
from services.notices.channels.wechat import WeChatTemplate
from services.notices.domain import Channel
from services.notices.settings import NoticesSettings

__all__ = ["configured_channels"]


def configured_channels(
    settings: NoticesSettings, http: httpx.AsyncClient, clock: Callable[[], datetime]
) -> dict[Channel, OutgoingChannel]:
    """The channels configured in ``settings``; a person's choice of another is kept but not sent."""
    channels: dict[Channel, OutgoingChannel] = {}
    if settings.notices_webhook_secret:
        channels[Channel.WEBHOOK] = WebhookChannel(http, settings.notices_webhook_secret, clock=clock)
    if settings.notices_sms_access_key_id:
        channels[Channel.SMS] = AliyunSms(
            http,
            url=settings.notices_sms_url,
            access_key_id=settings.notices_sms_access_key_id,
            access_key_secret=settings.notices_sms_access_key_secret,
            sign_name=settings.notices_sms_sign_name,
            template_code=settings.notices_sms_template_code,
            region=settings.notices_sms_region,
            clock=clock,
        )
    if settings.notices_wechat_app_id:
        channels[Channel.WECHAT] = WeChatTemplate(
            http,
            url=settings.notices_wechat_url,
            app_id=settings.notices_wechat_app_id,
            app_secret=settings.notices_wechat_app_secret,
            template_id=settings.notices_wechat_template_id,
            clock=clock,
        )
    return channels
