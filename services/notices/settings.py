"""The notices service's settings: the platform's, plus reminders and the outgoing channels.

The SMS adapter speaks Aliyun's SendSms API (dysmsapi, RPC signature v1 with HMAC-SHA1); the
WeChat adapter the Official Account template-message API (``/cgi-bin/token`` then
``/cgi-bin/message/template/send``). Both are off until their settings are given in deployment.
"""

from __future__ import annotations

from pydantic import Field

from services.common.settings import Settings

__all__ = ["NoticesSettings", "notices_settings"]


class NoticesSettings(Settings):
    """Environment settings of the notices service (every field has an env var of the same name)."""

    notices_reminder_lead_s: float = Field(86_400.0, gt=0, description="how long before the moment a reminder fires")
    notices_poll_s: float = Field(5.0, gt=0, description="how often due reminders and deliveries are looked for")
    notices_lease_s: float = Field(120.0, gt=0, description="how long a replica holds a claimed reminder or delivery")
    notices_max_attempts: int = Field(8, ge=1, description="attempts of one outgoing channel before it is given up")
    notices_retry_base_s: float = Field(30.0, gt=0, description="first retry delay of an outgoing channel; doubles each time")
    notices_webhook_secret: str = Field("", description="Standard Webhooks secret (whsec_…) signing personal webhooks; empty: webhooks off")
    notices_sms_url: str = Field("https://dysmsapi.aliyuncs.com/", description="Aliyun SMS endpoint")
    notices_sms_access_key_id: str = Field("", description="Aliyun AccessKey id; empty: SMS off")
    notices_sms_access_key_secret: str = Field("", description="Aliyun AccessKey secret")
    notices_sms_sign_name: str = Field("", description="the approved SMS signature (签名), e.g. 左安浦园社区")
    notices_sms_template_code: str = Field("", description="the approved template (模板) with ${title} and ${body}, e.g. SMS_123456789")
    notices_sms_region: str = Field("cn-hangzhou", description="Aliyun region id")
    notices_wechat_url: str = Field("https://api.weixin.qq.com", description="WeChat API base URL")
    notices_wechat_app_id: str = Field("", description="Official Account AppID; empty: WeChat off")
    notices_wechat_app_secret: str = Field("", description="Official Account AppSecret")
    notices_wechat_template_id: str = Field("", description="template id whose fields are thing1 (title), thing2 (body), time3 (when)")
    notices_http_timeout_s: float = Field(10.0, gt=0, description="per outgoing request")


def notices_settings(settings: Settings) -> NoticesSettings:
    """The notices settings: as given, or the platform's with the notices fields from the environment."""
    return settings if isinstance(settings, NoticesSettings) else NoticesSettings(**settings.model_dump())
