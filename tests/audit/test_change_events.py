"""The events of changes that move no status, as pure domain: what they carry for the audit trail and for
statistics consumers, and that a change that changes nothing announces nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from services.audit.domain import draft_entry, masked
from services.common.changes import field_changes
from services.common.events import new_event
from services.disclosure.domain import facts_of
from services.needs.domain import Category, Priority, TargetGroup
from services.needs.domain.edits import ITEM_REVISED, NEED_CLASSIFIED, item_edited, need_edited
from services.orgs.domain import OrganizationKind
from tests.needs.factories import NOW, item, need
from tests.orgs.factories import organization

LATE_EVENING = datetime(2026, 11, 26, 17, 30, tzinfo=UTC)  # already the 27th in Beijing


def test_a_classification_carries_old_and_new_and_the_facts_a_statistics_consumer_needs() -> None:
    before = replace(need(), created_at=LATE_EVENING)
    after = before.classify(
        category=Category.GREEN_GUARDIANS, target_groups=(TargetGroup.ELDERLY,), priority=Priority.HIGH, analysis_note="物业负责", at=NOW
    )

    (event,) = need_edited(before, after, NEED_CLASSIFIED, actor="staff-1", at=NOW)
    entry = draft_entry(event)

    assert (event.routing_key, event.subject, event.community) == ("needs.need.classified.v1", "n1", "c1")
    assert {key: event.data[key] for key in ("category", "previous_category", "status", "created_on", "actor")} == {
        "category": "green_guardians",
        "previous_category": "blue_guard",
        "status": "submitted",
        "created_on": "2026-11-27",
        "actor": "staff-1",
    }
    assert "previous_status" not in event.data  # not a transition: a disclosure or status consumer counts nothing
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("category", "blue_guard", "green_guardians"),
        ("priority", "normal", "high"),
        ("analysis_note", "", "物业负责"),
    ]
    assert (entry.record_type, entry.actor, masked(entry).actor) == ("Need", "staff-1", "***")


def test_a_change_that_changes_nothing_announces_nothing() -> None:
    current = need()
    same = current.classify(
        category=current.category, target_groups=current.target_groups, priority=current.priority, analysis_note="", at=NOW
    )
    draft = item()

    assert need_edited(current, same, NEED_CLASSIFIED, actor="staff", at=NOW) == []
    assert item_edited(draft, draft.revise(draft.draft, actor="staff", at=NOW), ITEM_REVISED, actor="staff", at=NOW) == []


def test_an_item_revision_is_no_transition_and_adds_no_report_fact() -> None:
    draft = item()
    revised = draft.revise(replace(draft.draft, title="新标题", slots=2), actor="staff", at=NOW)

    (event,) = item_edited(draft, revised, ITEM_REVISED, actor="staff", at=NOW)

    assert event.data["changes"] == {"title": {"old": draft.draft.title, "new": "新标题"}, "slots": {"old": 1, "new": 2}}
    assert (event.data["status"], "previous_status" in event.data) == ("draft", False)
    assert facts_of(event, item_category=None, item_title=None, claimant=None) == []


def test_instants_compare_as_stored_in_utc_to_the_millisecond() -> None:
    stored = datetime(2026, 12, 1, 11, 0, 0, 123000, tzinfo=UTC)
    given = datetime.fromisoformat("2026-12-01T19:00:00.123456+08:00")

    assert field_changes({"at": stored}, {"at": given}) == {}
    assert field_changes({"at": stored}, {"at": given.replace(second=1)}) == {
        "at": {"old": "2026-12-01T11:00:00.123000+00:00", "new": "2026-12-01T11:00:01.123000+00:00"}
    }


def test_a_service_link_event_carries_the_links_old_and_new_status() -> None:
    partner = organization(kind=OrganizationKind.PARTNER_ORGANIZATION)

    requested, (asked,) = partner.request_service("c2", grantable=False, actor="leader", at=NOW)
    _, (granted,) = requested.answer_service("c2", "grant", actor="staff-c2", at=NOW)
    ended, (end,) = requested.answer_service("c2", "end", actor="leader", at=NOW)
    _, (again,) = ended.request_service("c2", grantable=False, actor="leader", at=NOW)

    assert [event.data["changes"] for event in (asked, granted, end, again)] == [
        {"service_links.c2.status": {"old": None, "new": "requested"}},
        {"service_links.c2.status": {"old": "requested", "new": "granted"}},
        {"service_links.c2.status": {"old": "requested", "new": "ended"}},
        {"service_links.c2.status": {"old": "ended", "new": "requested"}},
    ]
    assert draft_entry(granted).actor == "staff-c2"


def test_a_members_record_is_masked_whole_and_a_team_of_member_ids_is_not() -> None:
    current = organization()

    _, (left,) = current.remove_member("m4", actor="staff", at=NOW)
    _, (team,) = current.set_management_group(("m1", "m2", "m4"), actor="staff", at=NOW)

    hidden = masked(draft_entry(left))
    assert [(c.field, c.old, c.new) for c in draft_entry(left).changes] == [
        ("members.m4", {"id": "m4", "name": "赵大爷", "phone": "", "joined_on": "2010-05-01", "account": None}, None)
    ]
    assert [(c.field, c.old, c.new) for c in hidden.changes] == [("members.m4", "***", None)]
    assert [(c.field, c.old, c.new) for c in masked(draft_entry(team)).changes] == [
        ("management_group", ["m1", "m2", "m3"], ["m1", "m2", "m4"])
    ]


def test_a_meetings_minutes_are_masked_for_readers_who_may_not_see_them_and_attendance_minutes_are_not() -> None:
    at = datetime(2026, 11, 3, 10, tzinfo=UTC)
    minutes = {"changes": {"minutes": {"old": "初稿", "new": "王芳 13812345678 发言"}}}
    meeting = draft_entry(new_event("claims.meeting.replanned.v1", service="claims", community="c-1", subject="m-1", time=at, data=minutes))
    assert meeting.record_type == "IntentionMeeting"
    assert [(c.field, c.old, c.new) for c in meeting.changes] == [("minutes", "初稿", "王芳 13812345678 发言")]
    assert [(c.field, c.old, c.new) for c in masked(meeting).changes] == [("minutes", "***", "***")]
    counted = {"changes": {"minutes": {"old": None, "new": 65}}}
    attendance = draft_entry(
        new_event("people.attendance.recorded.v1", service="people", community="c-1", subject="a-1", time=at, data=counted)
    )
    assert [(c.field, c.old, c.new) for c in masked(attendance).changes] == [("minutes", None, 65)]
