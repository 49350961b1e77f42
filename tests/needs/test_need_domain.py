"""The Need aggregate: every allowed and every forbidden transition, and its rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from services.common.domain import Invalid, TransitionNotAllowed
from services.common.events import Event
from services.needs.domain import NEED_MACHINE, Category, Need, NeedDraft, NeedSource, NeedStatus, Priority, TargetGroup, submit
from tests.needs.factories import NOW, need

LATER = NOW + timedelta(hours=1)
TARGET = need(NeedStatus.ACCEPTED, id="n2")

ACTIONS: dict[str, Callable[[Need], tuple[Need, list[Event]]]] = {
    "start_review": lambda n: n.start_review(actor="staff", at=LATER),
    "accept": lambda n: n.accept(actor="staff", at=LATER),
    "reject": lambda n: n.reject("重复需求", actor="staff", at=LATER),
    "merge": lambda n: n.merge_into(TARGET, actor="staff", at=LATER),
    "plan": lambda n: n.plan("i1", actor="staff", at=LATER),
    "release": lambda n: n.release(actor="staff", at=LATER),
    "resolve": lambda n: n.resolve(actor="needs", at=LATER),
    "withdraw": lambda n: n.withdraw("物业已修好", by=n.submitter_id, at=LATER),
}
ALLOWED = {
    ("start_review", NeedStatus.SUBMITTED): NeedStatus.UNDER_REVIEW,
    ("accept", NeedStatus.SUBMITTED): NeedStatus.ACCEPTED,
    ("accept", NeedStatus.UNDER_REVIEW): NeedStatus.ACCEPTED,
    ("reject", NeedStatus.SUBMITTED): NeedStatus.REJECTED,
    ("reject", NeedStatus.UNDER_REVIEW): NeedStatus.REJECTED,
    ("merge", NeedStatus.SUBMITTED): NeedStatus.MERGED,
    ("merge", NeedStatus.UNDER_REVIEW): NeedStatus.MERGED,
    ("merge", NeedStatus.ACCEPTED): NeedStatus.MERGED,
    ("plan", NeedStatus.ACCEPTED): NeedStatus.PLANNED,
    ("release", NeedStatus.PLANNED): NeedStatus.ACCEPTED,
    ("resolve", NeedStatus.PLANNED): NeedStatus.RESOLVED,
    ("withdraw", NeedStatus.SUBMITTED): NeedStatus.WITHDRAWN,
}
EVENT_TYPES = {
    "accept": "needs.need.accepted.v1",
    "reject": "needs.need.rejected.v1",
    "merge": "needs.need.merged.v1",
}


def test_the_table_is_exactly_the_documented_one() -> None:
    table = {(action, status): target for action, moves in NEED_MACHINE.table.items() for status, target in moves.items()}
    assert table == ALLOWED


@pytest.mark.parametrize("status", list(NeedStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_status(action: str, status: NeedStatus) -> None:
    before = need(status)
    expected = ALLOWED.get((action, status))

    if expected is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            ACTIONS[action](before)
        assert refused.value.current is status
        return

    after, events = ACTIONS[action](before)
    assert after.status is expected
    assert after.history[-1].from_status is status
    assert after.history[-1].to_status is expected
    assert after.history[-1].actor in ("staff", "needs", before.submitter_id)
    assert after.history[-1].at == LATER
    assert [event.routing_key for event in events] == [EVENT_TYPES.get(action, "needs.need.status_changed.v1")]
    assert events[0].data["need_id"] == before.id
    assert events[0].data["status"] == expected.value


def test_submit_checks_title_and_defaults_target_groups() -> None:
    draft = NeedDraft("c1", "  ", "", Category.OTHER, (), NeedSource.RESIDENT, "", anonymous=True)
    with pytest.raises(Invalid) as empty:
        submit(draft, need_id="n", submitter="r", at=NOW)
    assert empty.value.field == "title"

    created, events = submit(
        NeedDraft("c1", " 加装扶手 ", "", Category.BLUE_GUARD, (), NeedSource.SURVEY, "", True), need_id="n", submitter="r", at=NOW
    )
    assert created.title == "加装扶手"
    assert created.target_groups == (TargetGroup.EVERYONE,)
    assert created.status is NeedStatus.SUBMITTED
    assert events[0].type == "org.renling.needs.need.submitted.v1"


def test_support_counts_each_resident_once() -> None:
    supported = need().support("r1", at=LATER).support("r2", at=LATER).support("r1", at=LATER)
    assert supported.supporter_ids == ("r1", "r2")
    assert supported.support_count == 2


@pytest.mark.parametrize("status", [NeedStatus.REJECTED, NeedStatus.MERGED, NeedStatus.RESOLVED])
def test_closed_needs_cannot_be_supported(status: NeedStatus) -> None:
    with pytest.raises(Invalid):
        need(status).support("r1", at=LATER)


def test_reject_requires_a_reason() -> None:
    with pytest.raises(Invalid) as refused:
        need().reject("   ", actor="staff", at=LATER)
    assert refused.value.field == "reason"


def test_merge_rules_and_supporters_carried() -> None:
    duplicate = need(supporter_ids=("r1", "r2"))
    with pytest.raises(Invalid):
        duplicate.merge_into(duplicate, actor="staff", at=LATER)
    with pytest.raises(Invalid):
        duplicate.merge_into(need(NeedStatus.ACCEPTED, id="n9", community_id="c2"), actor="staff", at=LATER)
    with pytest.raises(Invalid):
        duplicate.merge_into(need(NeedStatus.REJECTED, id="n9"), actor="staff", at=LATER)

    merged, events = duplicate.merge_into(TARGET, actor="staff", at=LATER)
    assert merged.merged_into == TARGET.id
    carried = TARGET.support("r2", at=LATER).absorb_supporters(list(events[0].data["supporter_ids"]), at=LATER)
    assert carried.supporter_ids == ("r2", "r1", "resident-1")


def test_classify_sets_analysis_but_not_after_planning() -> None:
    classified = need().classify(
        category=Category.GREEN_GUARDIANS,
        target_groups=(TargetGroup.CHILDREN,),
        priority=Priority.HIGH,
        analysis_note="涉及垃圾分类",
        at=LATER,
    )
    assert (classified.category, classified.priority, classified.analysis_note) == (Category.GREEN_GUARDIANS, Priority.HIGH, "涉及垃圾分类")
    with pytest.raises(Invalid):
        need(NeedStatus.PLANNED).classify(category=Category.OTHER, target_groups=(), priority=Priority.LOW, analysis_note="", at=LATER)
