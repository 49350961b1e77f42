"""Mapping between the notices domain and MongoDB documents (the only place that knows field names)."""

from __future__ import annotations

from typing import Any

from services.common.store.dates import aware
from services.notices.domain import Channel, Notice, NoticeKind, Preferences, Reminder

__all__ = [
    "notice_from_document",
    "notice_to_document",
    "preferences_from_document",
    "preferences_to_fields",
    "reminder_from_document",
    "reminder_to_document",
]


def notice_to_document(notice: Notice) -> dict[str, Any]:
    """The stored form of a new notice; ``pending_channels`` are the outgoing deliveries still to make."""
    document: dict[str, Any] = {
        "_id": notice.id,
        "recipient": notice.recipient,
        "community_id": notice.community_id,
        "kind": notice.kind.value,
        "title": notice.title,
        "body": notice.body,
        "subject_id": notice.subject_id,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
        "pending_channels": [channel.value for channel in notice.pending_channels],
        "attempts": 0,
    }
    if notice.pending_channels:  # only a notice with deliveries to make is on the delivery index
        document["next_attempt_at"] = notice.created_at
    return document


def notice_from_document(document: dict[str, Any]) -> Notice:
    """A stored notice."""
    read_at = document.get("read_at")
    return Notice(
        id=document["_id"],
        recipient=document["recipient"],
        community_id=document["community_id"],
        kind=NoticeKind(document["kind"]),
        title=document["title"],
        body=document["body"],
        subject_id=document["subject_id"],
        created_at=aware(document["created_at"]),
        read_at=aware(read_at) if read_at else None,
        pending_channels=tuple(Channel(channel) for channel in document.get("pending_channels", ())),
    )


def preferences_to_fields(preferences: Preferences) -> dict[str, Any]:
    """The stored fields of a person's preferences."""
    return {
        "muted_kinds": sorted(kind.value for kind in preferences.muted_kinds),
        "channels": sorted(channel.value for channel in preferences.channels),
        "phone": preferences.phone,
        "wechat_openid": preferences.wechat_openid,
        "webhook_url": preferences.webhook_url,
    }


def preferences_from_document(person: str, document: dict[str, Any] | None) -> Preferences:
    """A person's preferences; the defaults when they never set any."""
    if document is None:
        return Preferences(person=person)
    return Preferences(
        person=person,
        muted_kinds=frozenset(NoticeKind(kind) for kind in document.get("muted_kinds", ())),
        channels=frozenset(Channel(channel) for channel in document.get("channels", (Channel.INBOX.value,))),
        phone=document.get("phone"),
        wechat_openid=document.get("wechat_openid"),
        webhook_url=document.get("webhook_url"),
        version=int(document.get("version", 0)),
    )


def reminder_to_document(reminder: Reminder) -> dict[str, Any]:
    """The stored form of a scheduled reminder (``lease_until`` in the past: free to claim)."""
    return {
        "_id": reminder.id,
        "community_id": reminder.community_id,
        "recipient": reminder.recipient,
        "kind": reminder.kind.value,
        "ref_id": reminder.ref_id,
        "title": reminder.title,
        "body": reminder.body,
        "about_at": reminder.about_at,
        "due_at": reminder.due_at,
        "fired_at": None,
        "cancelled": False,
        "lease_until": reminder.due_at,
    }


def reminder_from_document(document: dict[str, Any]) -> Reminder:
    """A stored reminder."""
    fired = document.get("fired_at")
    return Reminder(
        id=document["_id"],
        community_id=document["community_id"],
        recipient=document["recipient"],
        kind=NoticeKind(document["kind"]),
        ref_id=document["ref_id"],
        title=document["title"],
        body=document["body"],
        about_at=aware(document["about_at"]),
        due_at=aware(document["due_at"]),
        fired_at=aware(fired) if fired else None,
        cancelled=bool(document.get("cancelled")),
    )
