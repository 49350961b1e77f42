"""Pure domain of the notices service: notices, preferences, reminders and who hears of what."""

from services.notices.domain.notice import Channel, Notice, NoticeDraft, NoticeKind, notice_id
from services.notices.domain.preferences import Preferences
from services.notices.domain.reminder import Reminder, ReminderPlan, reminder_id
from services.notices.domain.routing import BINDINGS, CLAIM_CLOSED, CLAIM_TRACKING, CLAIMANT_TOLD, notices_for, reminders_for

__all__ = [
    "BINDINGS",
    "CLAIMANT_TOLD",
    "CLAIM_CLOSED",
    "CLAIM_TRACKING",
    "Channel",
    "Notice",
    "NoticeDraft",
    "NoticeKind",
    "Preferences",
    "Reminder",
    "ReminderPlan",
    "notice_id",
    "notices_for",
    "reminder_id",
    "reminders_for",
]
