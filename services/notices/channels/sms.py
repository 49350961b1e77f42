"""SMS through Aliyun's SendSms (dysmsapi 2017-05-25), signed with the RPC signature v1 (HMAC-SHA1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from services.notices.channels.port import DeliveryFailed
from services.notices.domain import Channel, Notice, Preferences

__all__ = ["AliyunSms", "rpc_signature"]

RETRYABLE = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "ServiceUnavailable", "InternalError"})


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def rpc_signature(parameters: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """Aliyun's RPC signature: HMAC-SHA1 over ``METHOD&%2F&`` + the encoded, sorted query, keyed ``secret&``."""
    canonical = "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(parameters.items()))
    to_sign = f"{method}&{_encode('/')}&{_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """The template gets ``title`` and ``body`` (cut to the provider's 35-character variable limit)."""

    channel = Channel.SMS

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        url: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        region: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._http = http
        self._url = url
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._template = template_code
        self._region = region
        self._clock = clock

    async def send(self, notice: Notice, preferences: Preferences) -> None:
        """One SendSms call; ``Code`` ``OK`` is delivery."""
        if not preferences.phone:
            raise DeliveryFailed("no phone number", retry=False)
        parameters = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": preferences.phone,
            "RegionId": self._region,
            "SignName": self._sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self._template,
            "TemplateParam": json.dumps({"title": notice.title[:35], "body": notice.body[:35]}, ensure_ascii=False),
            "Timestamp": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "OutId": notice.id,
        }
        parameters["Signature"] = rpc_signature(parameters, self._secret)
        try:
            response = await self._http.get(self._url, params=parameters)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise DeliveryFailed(type(error).__name__) from error
        code = answer.get("Code") if isinstance(answer, dict) else None
        if code != "OK":
            raise DeliveryFailed(f"SendSms {code}: {answer.get('Message') if isinstance(answer, dict) else ''}", retry=code in RETRYABLE)
