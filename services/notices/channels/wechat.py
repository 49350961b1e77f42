"""WeChat Official Account template messages: an access token from ``/cgi-bin/token``, then ``template/send``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from services.notices.channels.port import DeliveryFailed
from services.notices.domain import Channel, Notice, Preferences

__all__ = ["WeChatTemplate"]

TOKEN_INVALID = frozenset({40001, 40014, 42001})
CHINA = timezone(timedelta(hours=8))


class WeChatTemplate:
    """Caches the access token until shortly before it expires, and fetches a new one when WeChat says it is invalid."""

    channel = Channel.WECHAT

    def __init__(
        self, http: httpx.AsyncClient, *, url: str, app_id: str, app_secret: str, template_id: str, clock: Callable[[], datetime]
    ) -> None:
        self._http = http
        self._url = url.rstrip("/")
        self._app_id = app_id
        self._secret = app_secret
        self._template = template_id
        self._clock = clock
        self._token: tuple[str, datetime] | None = None

    async def send(self, notice: Notice, preferences: Preferences) -> None:
        """Send the template message; ``errcode`` 0 is delivery."""
        if not preferences.wechat_openid:
            raise DeliveryFailed("no WeChat openid", retry=False)
        message = {
            "touser": preferences.wechat_openid,
            "template_id": self._template,
            "data": {
                "thing1": {"value": notice.title[:20]},
                "thing2": {"value": notice.body[:20]},
                "time3": {"value": notice.created_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")},
            },
        }
        for _ in range(2):
            answer = await self._call(
                "POST", "/cgi-bin/message/template/send", params={"access_token": await self._access_token()}, json=message
            )
            code = answer.get("errcode", -1)
            if code == 0:
                return
            if code in TOKEN_INVALID:
                self._token = None
                continue
            raise DeliveryFailed(f"template/send {code}: {answer.get('errmsg')}", retry=code == -1)
        raise DeliveryFailed("the access token was refused twice")

    async def _access_token(self) -> str:
        now = self._clock()
        if self._token is not None and self._token[1] > now:
            return self._token[0]
        answer = await self._call(
            "GET", "/cgi-bin/token", params={"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret}
        )
        token = answer.get("access_token")
        if not isinstance(token, str):
            raise DeliveryFailed(f"no access token: {answer.get('errcode')} {answer.get('errmsg')}")
        lifetime = int(answer.get("expires_in", 7200))
        self._token = (token, now + timedelta(seconds=max(lifetime - 300, 60)))
        return token

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, self._url + path, **kwargs)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise DeliveryFailed(type(error).__name__) from error
        if not isinstance(answer, dict):
            raise DeliveryFailed("not a JSON object")
        return answer
