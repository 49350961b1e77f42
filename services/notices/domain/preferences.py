"""Per-person notice preferences: which kinds to receive, on which channels, at which addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.common.domain import Invalid
from services.notices.domain.notice import Channel, NoticeKind

__all__ = ["Preferences"]

_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")


@dataclass(frozen=True, slots=True)
class Preferences:
    """What one person asked for; the default is every kind, in the inbox only."""

    person: str
    muted_kinds: frozenset[NoticeKind] = field(default_factory=frozenset)
    channels: frozenset[Channel] = field(default_factory=lambda: frozenset({Channel.INBOX}))
    phone: str | None = None
    wechat_openid: str | None = None
    webhook_url: str | None = None
    version: int = 0

    def wants(self, kind: NoticeKind) -> bool:
        """Does the person receive this kind at all?"""
        return kind not in self.muted_kinds

    def outgoing(self, kind: NoticeKind) -> tuple[Channel, ...]:
        """The channels besides the inbox a notice of ``kind`` goes out on (each needs its address)."""
        if not self.wants(kind):
            return ()
        addressed = {Channel.SMS: self.phone, Channel.WECHAT: self.wechat_openid, Channel.WEBHOOK: self.webhook_url}
        return tuple(channel for channel in sorted(self.channels) if channel is not Channel.INBOX and addressed.get(channel))

    def checked(self) -> Preferences:
        """The same preferences, or :class:`Invalid` naming the field at fault."""
        if self.phone is not None and not _PHONE.match(self.phone):
            raise Invalid("a phone number is 6–15 digits, optionally after +", field="phone")
        if self.wechat_openid is not None and not _OPENID.match(self.wechat_openid):
            raise Invalid("not a WeChat openid", field="wechatOpenid")
        if self.webhook_url is not None and not re.match(r"^https?://[^\s]{1,2000}$", self.webhook_url):
            raise Invalid("a webhook URL is http(s)://…", field="webhookUrl")
        needs = {Channel.SMS: ("phone", self.phone), Channel.WECHAT: ("wechatOpenid", self.wechat_openid)}
        needs[Channel.WEBHOOK] = ("webhookUrl", self.webhook_url)
        for channel, (name, value) in needs.items():
            if channel in self.channels and not value:
                raise Invalid(f"the {channel.value} channel needs {name}", field=name)
        return self
