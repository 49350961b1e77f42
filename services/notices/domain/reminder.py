"""Reminders (提醒): a notice due before a moment (a deadline, a meeting, a window's end, a session).

A reminder is stored when the event that makes it is handled, and fired once when it falls due:
a replica claims it with one conditional update (a lease on a reminder not yet fired), makes the
notice (whose id is derived from the reminder's, so a second firing is a no-op) and marks it
fired. A restart loses nothing: what is due is in the store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notices.domain.notice import NoticeDraft, NoticeKind

__all__ = ["Reminder", "ReminderPlan", "reminder_id"]

_NAMESPACE = uuid.UUID("3c2b1a09-8f7e-4d6c-5b4a-392817263544")


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder to one person about one moment."""

    id: str
    community_id: str
    recipient: str
    kind: NoticeKind
    ref_id: str
    title: str
    body: str
    about_at: datetime
    due_at: datetime
    fired_at: datetime | None = None
    cancelled: bool = False

    def notice(self) -> NoticeDraft:
        """The notice this reminder becomes when it fires."""
        return NoticeDraft(self.recipient, self.community_id, self.kind, self.title, self.body, self.ref_id)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What an event does to reminders: cancel those pending for ``cancel_refs``, then schedule ``schedule``."""

    schedule: tuple[Reminder, ...] = ()
    cancel_refs: tuple[str, ...] = ()
    cancel_recipients: tuple[str, ...] = ()


def reminder_id(kind: NoticeKind, ref_id: str, recipient: str, about_at: datetime) -> str:
    """Stable for one moment: the same event handled twice schedules one reminder; a moved moment a new one."""
    return uuid.uuid5(_NAMESPACE, f"{kind.value}\x1f{ref_id}\x1f{recipient}\x1f{about_at.isoformat()}").hex


def remind(
    kind: NoticeKind, *, community_id: str, recipient: str, ref_id: str, title: str, body: str, about_at: datetime, lead: timedelta
) -> Reminder:
    """A reminder ``lead`` before ``about_at``."""
    return Reminder(
        id=reminder_id(kind, ref_id, recipient, about_at),
        community_id=community_id,
        recipient=recipient,
        kind=kind,
        ref_id=ref_id,
        title=title,
        body=body,
        about_at=about_at,
        due_at=about_at - lead,
    )
