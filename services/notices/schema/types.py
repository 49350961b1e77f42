"""Object types and enums of the notices subgraph."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.notices.domain import Channel, Notice, NoticeKind, Preferences

__all__ = ["NoticePreferencesType", "NoticeType"]

strawberry.enum(
    NoticeKind,
    description="What a notice is about: a need you submitted or support moved, your claim was decided, a session changed, or a reminder.",
)
strawberry.enum(
    Channel, name="NoticeChannel", description="Where notices go: INBOX (always), WEBHOOK (signed), SMS, WECHAT (template message)."
)


@strawberry.type(name="Notice", description="通知 One message to you, from something that happened in your community.")
class NoticeType:
    id: strawberry.ID = strawberry.field(description="The notice.")
    kind: NoticeKind = strawberry.field(description="What it is about.")
    community_id: strawberry.ID = strawberry.field(description="The community it comes from.")
    title: str = strawberry.field(description="Short title.")
    body: str = strawberry.field(description="The message.")
    subject_id: strawberry.ID = strawberry.field(description="The record it is about (need, claim, item, meeting or session id).")
    created_at: datetime = strawberry.field(description="When it was made.")
    read_at: datetime | None = strawberry.field(description="When you marked it read; null while unread.")

    @classmethod
    def from_domain(cls, notice: Notice) -> NoticeType:
        """From a stored notice."""
        return cls(
            id=strawberry.ID(notice.id),
            kind=notice.kind,
            community_id=strawberry.ID(notice.community_id),
            title=notice.title,
            body=notice.body,
            subject_id=strawberry.ID(notice.subject_id),
            created_at=notice.created_at,
            read_at=notice.read_at,
        )


@strawberry.type(name="NoticePreferences", description="Which notices you receive and where they go besides your inbox.")
class NoticePreferencesType:
    muted_kinds: list[NoticeKind] = strawberry.field(description="Kinds you do not receive at all.")
    channels: list[Channel] = strawberry.field(description="Channels notices go out on (INBOX always).")
    phone: str | None = strawberry.field(description="Phone for SMS; visible to you only.")
    wechat_openid: str | None = strawberry.field(description="Your WeChat openid for template messages.")
    webhook_url: str | None = strawberry.field(description="Your own URL receiving signed notices.")

    @classmethod
    def from_domain(cls, preferences: Preferences) -> NoticePreferencesType:
        """From the domain preferences."""
        return cls(
            muted_kinds=sorted(preferences.muted_kinds),
            channels=sorted(preferences.channels),
            phone=preferences.phone,
            wechat_openid=preferences.wechat_openid,
            webhook_url=preferences.webhook_url,
        )
