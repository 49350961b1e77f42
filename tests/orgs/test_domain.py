"""The Organization aggregate's rules: team, stages, succession, statuses, support, profile."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.common.domain import Invalid, TransitionNotAllowed
from services.common.events import Event
from services.orgs.domain import (
    STATUS_MACHINE,
    FilingStatus,
    MemberDraft,
    Organization,
    OrganizationKind,
    Profile,
    Purpose,
    Stage,
    SupportKind,
    SupportRecord,
    register,
)
from services.orgs.domain.service_links import ServiceLinkStatus
from tests.orgs.factories import NOW, draft, organization

LATER = NOW + timedelta(hours=1)


def _ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"m{next(counter)}"


def _status_action(action: str) -> Callable[[Organization], tuple[Organization, list[Event]]]:
    return lambda o: o.change_status(action, effective_on=date(2020, 1, 1), reason="原因", actor="staff", at=LATER)


ACTIONS = {action: _status_action(action) for action in ("activate", "suspend", "dissolve")}
ALLOWED = {
    ("activate", FilingStatus.FILED): FilingStatus.ACTIVE,
    ("activate", FilingStatus.DORMANT): FilingStatus.ACTIVE,
    ("suspend", FilingStatus.FILED): FilingStatus.DORMANT,
    ("suspend", FilingStatus.ACTIVE): FilingStatus.DORMANT,
    ("dissolve", FilingStatus.FILED): FilingStatus.DISSOLVED,
    ("dissolve", FilingStatus.ACTIVE): FilingStatus.DISSOLVED,
    ("dissolve", FilingStatus.DORMANT): FilingStatus.DISSOLVED,
}


def test_the_status_table_is_exactly_the_documented_one() -> None:
    table = {(action, status): target for action, moves in STATUS_MACHINE.table.items() for status, target in moves.items()}
    assert table == ALLOWED


@pytest.mark.parametrize("status", list(FilingStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_status_action_from_every_status(action: str, status: FilingStatus) -> None:
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            ACTIONS[action](organization(status))
        return
    changed, events = ACTIONS[action](organization(status))
    assert changed.status is expected
    assert changed.status_since == date(2020, 1, 1)
    assert changed.status_history[-1].to_status is expected
    assert events[0].routing_key == "orgs.org.status_changed.v1"
    assert events[0].data["status"] == expected.value
    assert events[0].data["previous_status"] == status.value


def test_dissolving_twice_is_refused_and_a_dissolved_organization_is_frozen() -> None:
    dissolved, _ = organization().change_status("dissolve", effective_on=date(2020, 1, 1), reason="成员流失", actor="staff", at=LATER)
    assert dissolved.dissolved_on == date(2020, 1, 1)
    with pytest.raises(TransitionNotAllowed):
        dissolved.change_status("dissolve", effective_on=date(2020, 2, 1), reason="x", actor="staff", at=LATER)
    with pytest.raises(TransitionNotAllowed):
        dissolved.change_stage(Stage.SERVICE_ACTIVITIES, reason="x", actor="staff", at=LATER, may_correct=True)
    with pytest.raises(TransitionNotAllowed):
        dissolved.add_member(MemberDraft("新人"), "m9", actor="staff", at=LATER)


@pytest.mark.parametrize(
    ("effective_on", "reason"),
    [(date(2009, 1, 1), "before"), (date(2027, 1, 1), "future")],
)
def test_status_dates_must_be_in_order_and_not_in_the_future(effective_on: date, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        organization().change_status("activate", effective_on=effective_on, reason=None, actor="staff", at=LATER)
    assert refused.value.field == "effectiveOn"
    assert reason in refused.value.message


def test_dissolving_needs_a_reason() -> None:
    with pytest.raises(Invalid) as refused:
        organization().change_status("dissolve", effective_on=date(2020, 1, 1), reason=" ", actor="staff", at=LATER)
    assert refused.value.field == "reason"


def test_stages_move_forward_one_step_unless_a_district_administrator_corrects() -> None:
    stepped, events = organization().change_stage(Stage.SERVICE_ACTIVITIES, reason="定期活动", actor="staff", at=LATER, may_correct=False)
    assert stepped.stage is Stage.SERVICE_ACTIVITIES
    assert events[0].data["previous_stage"] == "needs_assessment"
    assert stepped.stage_history[-1].correction is False

    with pytest.raises(Invalid) as skipping:
        organization().change_stage(Stage.ACTIVITY_PROJECTS, reason="跳级", actor="staff", at=LATER, may_correct=False)
    assert skipping.value.field == "stage"
    with pytest.raises(Invalid):
        organization(stage=Stage.ACTIVITY_PROJECTS).change_stage(
            Stage.SERVICE_ACTIVITIES, reason="退回", actor="staff", at=LATER, may_correct=False
        )
    with pytest.raises(Invalid):
        organization().change_stage(Stage.SERVICE_ACTIVITIES, reason=" ", actor="staff", at=LATER, may_correct=False)

    corrected, _ = organization(stage=Stage.ACTIVITY_PROJECTS).change_stage(
        Stage.NEEDS_ASSESSMENT, reason="更正", actor="admin", at=LATER, may_correct=True
    )
    assert corrected.stage is Stage.NEEDS_ASSESSMENT
    assert corrected.stage_history[-1].correction is True


def test_every_stage_forward_in_turn() -> None:
    current = organization()
    for stage in list(Stage)[1:]:
        current, _ = current.change_stage(stage, reason="成长", actor="staff", at=LATER, may_correct=False)
    assert current.stage is Stage.SOCIALIZED_PUBLIC_WELFARE
    assert [change.to_stage for change in current.stage_history] == list(Stage)


@pytest.mark.parametrize(
    ("team", "field"),
    [
        (("m1", "m2"), "memberIds"),
        (("m1", "m2", "m3", "m4"), "memberIds"),
        (("m1", "m1", "m2"), "memberIds"),
        (("m1", "m2", "nobody"), "memberIds.2"),
    ],
    ids=["two", "four", "not-distinct", "not-a-member"],
)
def test_the_management_group_is_exactly_three_distinct_members(team: tuple[str, ...], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        organization().set_management_group(team, actor="staff", at=LATER)
    assert refused.value.field == field


def test_registration_builds_the_team_from_flagged_members() -> None:
    registered = organization()
    assert registered.leader.name == "王阿姨"
    assert registered.management_group == ("m1", "m2", "m3")
    assert registered.status_history[0].to_status is FilingStatus.FILED

    with pytest.raises(Invalid) as two:
        register(
            draft(members=(MemberDraft("李叔", in_management_group=True),)), organization_id="o", new_member_id=_ids(), actor="s", at=NOW
        )
    assert two.value.field == "members"
    alone, _ = register(draft(leader=MemberDraft("王"), members=()), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
    assert alone.management_group == ()


def test_succession_needs_a_member_and_dates_in_order() -> None:
    current = organization()
    with pytest.raises(Invalid) as stranger:
        current.change_leader("nobody", on=date(2015, 1, 1), reason="", actor="staff", at=LATER)
    assert stranger.value.field == "memberId"
    with pytest.raises(Invalid):
        current.change_leader("m1", on=date(2015, 1, 1), reason="", actor="staff", at=LATER)

    first, events = current.change_leader("m2", on=date(2015, 1, 1), reason="换届", actor="staff", at=LATER)
    assert first.leader.name == "李叔"
    assert events[0].data["leader_member_id"] == "m2"
    with pytest.raises(Invalid) as backwards:
        first.change_leader("m3", on=date(2014, 1, 1), reason="", actor="staff", at=LATER)
    assert backwards.value.field == "on"
    second, _ = first.change_leader("m3", on=date(2019, 1, 1), reason="", actor="staff", at=LATER)
    assert [(s.from_name, s.to_name) for s in second.leader_history] == [("王阿姨", "李叔"), ("李叔", "张姐")]


def test_the_leader_and_the_team_cannot_leave_before_being_replaced() -> None:
    current = organization()
    with pytest.raises(Invalid):
        current.remove_member("m1", actor="staff", at=LATER)
    with pytest.raises(Invalid):
        current.remove_member("m2", actor="staff", at=LATER)
    removed, _ = current.remove_member("m4", actor="staff", at=LATER)
    assert [m.id for m in removed.members] == ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (SupportRecord("s", SupportKind.FUNDS, date(2019, 1, 1)), "amountFen"),
        (SupportRecord("s", SupportKind.FUNDS, date(2019, 1, 1), 0), "amountFen"),
        (SupportRecord("s", SupportKind.VENUE, date(2009, 1, 1)), "on"),
        (SupportRecord("s", SupportKind.VENUE, date(2030, 1, 1)), "on"),
    ],
    ids=["funds-without-amount", "zero", "before-founding", "future"],
)
def test_support_records_are_checked(record: SupportRecord, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        organization().record_support(record, at=LATER)
    assert refused.value.field == field


def test_support_is_recorded_with_its_event() -> None:
    record = SupportRecord("s1", SupportKind.OUTSIDE_TEACHER, date(2016, 3, 1), provider="陈老师", note="摄影课")
    supported, events = organization().record_support(record, at=LATER)
    assert supported.support_records == (record,)
    assert events[0].data["support_kind"] == "outside_teacher"
    assert events[0].data["amount_fen"] is None


def test_only_partner_organizations_serve_several_communities() -> None:
    profile = Profile("福寿百年", Purpose.PUBLIC_WELFARE, (), served_community_ids=("c2",))
    with pytest.raises(Invalid) as refused:
        register(draft(profile=profile), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
    assert refused.value.field == "servedCommunityIds"
    partner, events = register(
        draft(kind=OrganizationKind.PARTNER_ORGANIZATION, profile=profile), organization_id="o", new_member_id=_ids(), actor="s", at=NOW
    )
    assert partner.profile.served_community_ids == ("c1",)  # c2 asked, not granted
    assert [(link.community_id, link.status) for link in partner.service_links] == [("c2", ServiceLinkStatus.REQUESTED)]
    assert [event.routing_key for event in events] == ["orgs.org.registered.v1", "orgs.org.service_requested.v1"]
    assert events[0].data["served_community_ids"] == ["c1"]
    granted, events = register(
        draft(kind=OrganizationKind.PARTNER_ORGANIZATION, profile=profile),
        organization_id="o", new_member_id=_ids(), actor="s", at=NOW, grantable=frozenset({"c2"}),
    )  # fmt: skip
    assert granted.profile.served_community_ids == ("c1", "c2")
    assert events[-1].routing_key == "orgs.org.service_granted.v1"
    assert events[-1].data["served_community_ids"] == ["c1", "c2"]


def test_a_service_link_is_requested_then_granted_declined_or_ended_by_the_table() -> None:
    partner, _ = register(draft(kind=OrganizationKind.PARTNER_ORGANIZATION), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
    asked, events = partner.request_service("c2", grantable=False, actor="s", at=LATER)
    granted, granted_events = asked.answer_service("c2", "grant", actor="staff-c2", at=LATER)
    ended, _ = granted.answer_service("c2", "end", actor="staff-c2", at=LATER, reason="合作结束")
    declined, _ = asked.answer_service("c2", "decline", actor="staff-c2", at=LATER, reason="不需要")
    again, _ = declined.request_service("c2", grantable=False, actor="s", at=LATER)

    assert [e.routing_key for e in events] == ["orgs.org.service_requested.v1"]
    assert asked.profile.served_community_ids == ("c1",)
    assert granted.profile.served_community_ids == ("c1", "c2")
    assert granted_events[0].data["served_community_ids"] == ["c1", "c2"]
    assert granted_events[0].data["service_community_id"] == "c2"
    assert ended.profile.served_community_ids == ("c1",)
    assert declined.profile.served_community_ids == ("c1",)
    assert again.service_links[0].status is ServiceLinkStatus.REQUESTED
    with pytest.raises(TransitionNotAllowed):
        granted.answer_service("c2", "grant", actor="staff-c2", at=LATER)
    with pytest.raises(Invalid) as home:
        partner.request_service("c1", grantable=True, actor="s", at=LATER)
    assert home.value.field == "communityId"
    with pytest.raises(Invalid) as not_partner:
        organization().request_service("c2", grantable=True, actor="s", at=LATER)
    assert not_partner.value.field == "communityId"


def test_founding_in_the_future_and_bad_names_are_refused() -> None:
    with pytest.raises(Invalid) as future:
        register(draft(founded_on=date(2030, 1, 1)), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
    assert future.value.field == "foundedOn"
    with pytest.raises(Invalid) as nameless:
        register(draft(leader=MemberDraft(" ")), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
    assert nameless.value.field == "leader.name"
    with pytest.raises(Invalid) as phone:
        register(draft(leader=MemberDraft("王", "call me")), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
    assert phone.value.field == "leader.phone"
    with pytest.raises(Invalid):
        register(draft(profile=replace(draft().profile, name="")), organization_id="o", new_member_id=_ids(), actor="s", at=NOW)
