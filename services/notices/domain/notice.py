"""A notice (通知): one message to one person of one community, read or not.

A notice's id is derived from what caused it (the event id or the reminder id) and its
recipient, so a redelivered event or a reminder fired by two replicas makes the same id: the
unique ``_id`` keeps exactly one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Channel", "Notice", "NoticeDraft", "NoticeKind", "notice_id"]

_NAMESPACE = uuid.UUID("0b8e6f0c-7d1a-4c55-9a51-2f3e4d5c6b7a")


class NoticeKind(StrEnum):
    """What a notice is about; people choose which kinds they receive."""

    NEED_ACCEPTED = "need_accepted"
    NEED_REJECTED = "need_rejected"
    NEED_MERGED = "need_merged"
    NEED_PLANNED = "need_planned"
    NEED_RESOLVED = "need_resolved"
    SUPPORTED_NEED_MOVED = "supported_need_moved"
    CLAIM_SHORTLISTED = "claim_shortlisted"
    CLAIM_APPROVED = "claim_approved"
    CLAIM_REJECTED = "claim_rejected"
    SESSION_CHANGED = "session_changed"
    SIGNUP_CONFIRMED = "signup_confirmed"
    REMINDER_RECTIFICATION = "reminder_rectification"
    REMINDER_MEETING = "reminder_meeting"
    REMINDER_CLAIM_WINDOW = "reminder_claim_window"
    REMINDER_SESSION = "reminder_session"


class Channel(StrEnum):
    """Where a notice goes besides the inbox, which always has it."""

    INBOX = "inbox"
    WEBHOOK = "webhook"
    SMS = "sms"
    WECHAT = "wechat"


@dataclass(frozen=True, slots=True)
class NoticeDraft:
    """A notice decided from an event, before it is addressed an id and stored."""

    recipient: str
    community_id: str
    kind: NoticeKind
    title: str
    body: str
    subject_id: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A stored notice."""

    id: str
    recipient: str
    community_id: str
    kind: NoticeKind
    title: str
    body: str
    subject_id: str
    created_at: datetime
    read_at: datetime | None = None
    pending_channels: tuple[Channel, ...] = ()

    @property
    def read(self) -> bool:
        """Has the recipient marked it read?"""
        return self.read_at is not None


def notice_id(cause: str, recipient: str, kind: NoticeKind) -> str:
    """The one id a cause (event or reminder) gives the notice of this kind to this person."""
    return uuid.uuid5(_NAMESPACE, f"{cause}\x1f{recipient}\x1f{kind.value}").hex
