"""The pure rules: who hears of which event (from events the needs domain itself makes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.common.events import new_event
from services.needs.domain import NeedDraft, submit
from services.needs.domain.vocabulary import Category, NeedSource, TargetGroup
from services.notices.domain import NoticeKind, notices_for, reminders_for

AT = datetime(2026, 11, 1, tzinfo=UTC)
DRAFT = NeedDraft("c1", "老人助餐", "", Category.BLUE_GUARD, (TargetGroup.ELDERLY,), NeedSource.RESIDENT, "", False)


def test_planned_and_resolved_reach_the_submitter_and_each_supporter_once() -> None:
    need, _ = submit(DRAFT, need_id="n1", submitter="wang", at=AT)
    need = need.support("li", at=AT).support("zhao", at=AT)  # her own support is refused: she hears as the submitter
    need, _ = need.start_review(actor="staff", at=AT)
    need, _ = need.accept(actor="staff", at=AT)
    need, planned = need.plan("item-1", actor="needs", at=AT)
    need, resolved = need.resolve(actor="needs", at=AT)
    for events, kind in ((planned, NoticeKind.NEED_PLANNED), (resolved, NoticeKind.NEED_RESOLVED)):
        drafts = [draft for event in events for draft in notices_for(event)]
        assert sorted((draft.recipient, draft.kind) for draft in drafts) == [
            ("li", NoticeKind.SUPPORTED_NEED_MOVED),
            ("wang", kind),
            ("zhao", NoticeKind.SUPPORTED_NEED_MOVED),
        ]
        assert {draft.community_id for draft in drafts} == {"c1"}


def test_under_review_tells_nobody_and_reminders_come_a_lead_before() -> None:
    need, _ = submit(DRAFT, need_id="n1", submitter="wang", at=AT)
    _, reviewing = need.start_review(actor="staff", at=AT)
    assert [notices_for(event) for event in reviewing] == [[]]
    data = {
        "claim_id": "k1",
        "visit_id": "v1",
        "claimant_subject": "leader",
        "actor": "staff",
        "rectification_required": True,
        "rectification_deadline": "2026-12-10",
    }
    plan = reminders_for(new_event("claims.project.supervised.v1", service="claims", community="c1", data=data), lead=timedelta(days=1))
    assert sorted(reminder.recipient for reminder in plan.schedule) == ["leader", "staff"]
    assert {reminder.due_at.isoformat() for reminder in plan.schedule} == {"2026-12-09T00:00:00+08:00"}
