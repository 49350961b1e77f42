"""Who hears of an event, and what they are told: a pure function of the event.

Each rule reads the ids of the people concerned from the event's ``data`` (the producers
carry them: a need's submitter and supporters, a claim's claimant, a session's attendees), so
this service never calls back. A notice goes only to people named in an event of their own
community; the inbox query checks the community again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from services.common.bus import UnprocessableEvent
from services.common.event_data import optional_text, text
from services.common.events import Event
from services.notices.domain.notice import NoticeDraft, NoticeKind
from services.notices.domain.reminder import ReminderPlan, remind

__all__ = ["BINDINGS", "CLAIMANT_TOLD", "CLAIM_CLOSED", "CLAIM_TRACKING", "notices_for", "reminders_for"]

CHINA = timezone(timedelta(hours=8))
NEED_MOVES = {
    "needs.need.accepted.v1": (NoticeKind.NEED_ACCEPTED, "您的需求已受理", "社区已受理您的需求「{title}」，将纳入服务安排。"),
    "needs.need.rejected.v1": (NoticeKind.NEED_REJECTED, "您的需求未被采纳", "您的需求「{title}」未被采纳，原因：{reason}"),
    "needs.need.merged.v1": (NoticeKind.NEED_MERGED, "您的需求已合并", "您的需求「{title}」与另一条相同的需求合并，您的支持已一并转入。"),
}
NEED_STATUS = {
    "planned": (NoticeKind.NEED_PLANNED, "您的需求已纳入服务项目", "您的需求「{title}」已纳入社区服务项目。"),
    "resolved": (NoticeKind.NEED_RESOLVED, "您的需求已解决", "您的需求「{title}」对应的服务已完成评估，需求已解决。"),
}
STATUS_NAMES = {"accepted": "已受理", "rejected": "未采纳", "merged": "已合并", "planned": "已纳入服务项目", "resolved": "已解决"}
CLAIM_MOVES = {
    "claims.claim.shortlisted.v1": (NoticeKind.CLAIM_SHORTLISTED, "您的认领已入围", "您的认领申请已入围，请参加认领意向会。"),
    "claims.claim.approved.v1": (NoticeKind.CLAIM_APPROVED, "您的认领已通过", "您的认领申请已在认领意向会上通过。{reason}"),
    "claims.claim.rejected.v1": (NoticeKind.CLAIM_REJECTED, "您的认领未通过", "您的认领申请未通过，原因：{reason}"),
}
CLAIM_TRACKING = ("claims.claim.submitted.v1", "claims.claim.withdrawn.v1", "claims.claim.terminated.v1")
CLAIMANT_TOLD = frozenset({*CLAIM_MOVES, "claims.project.supervised.v1"})
CLAIM_CLOSED = frozenset({"claims.claim.withdrawn.v1", "claims.claim.rejected.v1", "claims.claim.terminated.v1"})
BINDINGS = (
    "needs.need.accepted.v1",
    "needs.need.rejected.v1",
    "needs.need.merged.v1",
    "needs.need.status_changed.v1",
    "needs.item.published.v1",
    *CLAIM_MOVES,
    "claims.meeting.scheduled.v1",
    "claims.project.supervised.v1",
    "claims.project.rectified.v1",
    "people.signup.confirmed.v1",
    "people.signup.withdrawn.v1",
    "people.session.changed.v1",
    "needs.item.cancelled.v1",
    *CLAIM_TRACKING,
)


def notices_for(event: Event) -> list[NoticeDraft]:
    """The notices an event makes right away (reminders are :func:`reminders_for`)."""
    rule = _NOTICE_RULES.get(event.routing_key)
    return rule(event) if rule else []


def reminders_for(event: Event, *, lead: timedelta) -> ReminderPlan:
    """What an event does to the scheduled reminders."""
    rule = _REMINDER_RULES.get(event.routing_key)
    return rule(event, lead) if rule else ReminderPlan()


def _need(event: Event) -> list[NoticeDraft]:
    data = event.data
    status = str(data.get("status", ""))
    if event.routing_key in NEED_MOVES:
        kind, title, body = NEED_MOVES[event.routing_key]
    elif status in NEED_STATUS:
        kind, title, body = NEED_STATUS[status]
    else:
        return []
    need_id, submitter = text(data, "need_id"), text(data, "submitter_id")
    values = {"title": data.get("title") or "", "reason": data.get("reason") or "未说明"}
    notices = [NoticeDraft(submitter, event.community, kind, title, body.format(**values), need_id)]
    supporters = [person for person in dict.fromkeys(_people(data, "supporter_ids")) if person != submitter]
    moved = f"您支持的需求「{values['title']}」{STATUS_NAMES.get(status, status)}。"
    notices += [
        NoticeDraft(person, event.community, NoticeKind.SUPPORTED_NEED_MOVED, "您支持的需求有新进展", moved, need_id)
        for person in supporters
    ]
    return notices


def _claim(event: Event) -> list[NoticeDraft]:
    kind, title, body = CLAIM_MOVES[event.routing_key]
    reason = optional_text(event.data, "reason") or ("" if kind is NoticeKind.CLAIM_APPROVED else "未说明")
    claimant = text(event.data, "claimant_subject")
    return [NoticeDraft(claimant, event.community, kind, title, body.format(reason=reason).strip(), text(event.data, "claim_id"))]


def _signup(event: Event) -> list[NoticeDraft]:
    data = event.data
    body = f"您已报名「{data.get('title', '')}」，时间 {_local(_moment(data, 'starts_at'))}，地点 {data.get('venue', '')}。"
    return [NoticeDraft(text(data, "person_id"), event.community, NoticeKind.SIGNUP_CONFIRMED, "报名成功", body, text(data, "session_id"))]


def _session_changed(event: Event) -> list[NoticeDraft]:
    data = event.data
    change = text(data, "change")
    title = str(data.get("title", ""))
    if change == "cancelled":
        body = f"您报名的「{title}」（原定 {_local(_moment(data, 'previous_starts_at'))}）已取消。"
    else:
        body = f"您报名的「{title}」改到 {_local(_moment(data, 'starts_at'))}，地点 {data.get('venue', '')}。"
    session = text(data, "session_id")
    return [
        NoticeDraft(person, event.community, NoticeKind.SESSION_CHANGED, "活动场次变更", body, session)
        for person in _people(data, "attendee_ids")
    ]


def _claim_window(event: Event, lead: timedelta) -> ReminderPlan:
    data = event.data
    window = data.get("claim_window")
    if not isinstance(window, Mapping):
        raise UnprocessableEvent("event data lacks claim_window")
    closes = _moment(window, "closes_at")
    body = f"服务项目「{data.get('title', '')}」的认领将于 {_local(closes)} 截止。"
    reminder = remind(
        NoticeKind.REMINDER_CLAIM_WINDOW,
        community_id=event.community,
        recipient=text(data, "actor"),
        ref_id=text(data, "item_id"),
        title="认领即将截止",
        body=body,
        about_at=closes,
        lead=lead,
    )
    return ReminderPlan(schedule=(reminder,))


def _meeting(event: Event, lead: timedelta) -> ReminderPlan:
    data = event.data
    at = _moment(data, "scheduled_at")
    body = f"认领意向会将于 {_local(at)} 在 {data.get('venue', '')} 召开。"
    people = dict.fromkeys([text(data, "actor"), *_people(data, "attendee_ids")])
    reminders = tuple(
        remind(
            NoticeKind.REMINDER_MEETING,
            community_id=event.community,
            recipient=person,
            ref_id=text(data, "meeting_id"),
            title="认领意向会提醒",
            body=body,
            about_at=at,
            lead=lead,
        )
        for person in people
    )
    return ReminderPlan(schedule=reminders)


def _rectification(event: Event, lead: timedelta) -> ReminderPlan:
    data = event.data
    deadline = data.get("rectification_deadline")
    if not data.get("rectification_required") or not isinstance(deadline, str):
        return ReminderPlan()
    try:
        at = datetime.combine(date.fromisoformat(deadline), time(0), CHINA)
    except ValueError as error:
        raise UnprocessableEvent("rectification_deadline is not a date") from error
    body = f"督导要求的整改须在 {deadline} 前完成。"
    people = dict.fromkeys(person for person in (optional_text(data, "claimant_subject"), optional_text(data, "actor")) if person)
    reminders = tuple(
        remind(
            NoticeKind.REMINDER_RECTIFICATION,
            community_id=event.community,
            recipient=person,
            ref_id=text(data, "visit_id"),
            title="整改期限提醒",
            body=body,
            about_at=at,
            lead=lead,
        )
        for person in people
    )
    return ReminderPlan(schedule=reminders)


def _rectified(event: Event, lead: timedelta) -> ReminderPlan:
    """A rectification recorded done: its deadline's reminders (by the supervision visit) no longer fire."""
    return ReminderPlan(cancel_refs=(text(event.data, "visit_id"),))


def _session_reminder(event: Event, lead: timedelta) -> ReminderPlan:
    data = event.data
    starts = _moment(data, "starts_at")
    body = f"您报名的「{data.get('title', '')}」将于 {_local(starts)} 在 {data.get('venue', '')} 开始。"
    reminder = remind(
        NoticeKind.REMINDER_SESSION,
        community_id=event.community,
        recipient=text(data, "person_id"),
        ref_id=text(data, "session_id"),
        title="活动提醒",
        body=body,
        about_at=starts,
        lead=lead,
    )
    return ReminderPlan(schedule=(reminder,))


def _item_cancelled(event: Event, lead: timedelta) -> ReminderPlan:
    return ReminderPlan(cancel_refs=(text(event.data, "item_id"),))


def _withdrawn(event: Event, lead: timedelta) -> ReminderPlan:
    return ReminderPlan(cancel_refs=(text(event.data, "session_id"),), cancel_recipients=(text(event.data, "person_id"),))


def _session_moved(event: Event, lead: timedelta) -> ReminderPlan:
    data = event.data
    session = text(data, "session_id")
    attendees = tuple(_people(data, "attendee_ids"))
    if text(data, "change") == "cancelled":
        return ReminderPlan(cancel_refs=(session,), cancel_recipients=attendees)
    starts = _moment(data, "starts_at")
    body = f"您报名的「{data.get('title', '')}」将于 {_local(starts)} 在 {data.get('venue', '')} 开始。"
    reminders = tuple(
        remind(
            NoticeKind.REMINDER_SESSION,
            community_id=event.community,
            recipient=person,
            ref_id=session,
            title="活动提醒",
            body=body,
            about_at=starts,
            lead=lead,
        )
        for person in attendees
    )
    return ReminderPlan(schedule=reminders, cancel_refs=(session,), cancel_recipients=attendees)


def _people(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(person, str) and person for person in value):
        raise UnprocessableEvent(f"event data {key} must be a list of person ids")
    return value


def _moment(data: Mapping[str, Any], key: str) -> datetime:
    value = data.get(key)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise UnprocessableEvent(f"event data {key} must be an ISO 8601 time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


_NOTICE_RULES: dict[str, Callable[[Event], list[NoticeDraft]]] = {
    **dict.fromkeys(("needs.need.accepted.v1", "needs.need.rejected.v1", "needs.need.merged.v1", "needs.need.status_changed.v1"), _need),
    **dict.fromkeys(CLAIM_MOVES, _claim),
    "people.signup.confirmed.v1": _signup,
    "people.session.changed.v1": _session_changed,
}
_REMINDER_RULES: dict[str, Callable[[Event, timedelta], ReminderPlan]] = {
    "needs.item.published.v1": _claim_window,
    "needs.item.cancelled.v1": _item_cancelled,
    "claims.meeting.scheduled.v1": _meeting,
    "claims.project.supervised.v1": _rectification,
    "claims.project.rectified.v1": _rectified,
    "people.signup.confirmed.v1": _session_reminder,
    "people.signup.withdrawn.v1": _withdrawn,
    "people.session.changed.v1": _session_moved,
}
