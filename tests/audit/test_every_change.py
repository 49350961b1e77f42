"""Issue 19.4: the changes that used to leave no audit entry — classifying and editing a need, supporting
it, a merge carrying supporters, revising an item, a rating, a rectification, a training, a replanned,
decided or cancelled meeting, an organization's members and management group — each keep who, when
and each field's old and new value, masked for readers who may not see personal data, on the chain.

Every step goes through the gateway of a fresh community (tests/community.py) with the token of the
person who takes it; the trail is read back through the gateway too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from typing import Any

import pytest

from services.common.identity import Role
from services.people.domain import attendance_id
from tests.community import C, Community, community_platform

TRAIL = "query($id: ID!) { auditTrail(recordId: $id, first: 500) { seq recordType eventType actor changes { field oldValue newValue } } }"
CHECK = f'{{ verifyAuditChain(communityId: "{C}") {{ valid checked brokenAtSeq }} }}'
Changes = dict[str, tuple[Any, Any]]


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


async def trail(community: Community, record_id: str, *, as_: str | None = None) -> list[dict[str, Any]]:
    """A record's audit entries, oldest first (as staff unless told otherwise)."""
    entries: list[dict[str, Any]] = (await community.query(TRAIL, {"id": record_id}, as_=as_))["auditTrail"]
    return entries


def entry(entries: list[dict[str, Any]], event_type: str, index: int = -1) -> dict[str, Any]:
    """The entry of one event type (the last one unless told otherwise)."""
    found = [e for e in entries if e["eventType"] == event_type]
    assert found, (event_type, [e["eventType"] for e in entries])
    return found[index]


def changes(audit_entry: dict[str, Any]) -> Changes:
    """Field → (old, new), decoded from JSON (a masked value stays ``"***"``)."""
    return {
        c["field"]: tuple(json.loads(v) if v is not None else None for v in (c["oldValue"], c["newValue"]))  # type: ignore[misc]
        for c in audit_entry["changes"]
    }


async def test_a_needs_classification_edits_support_merge_and_item_revision_keep_old_and_new(community: Community) -> None:
    wang, li, zhou = community.resident("wang"), community.resident("li"), community.resident("zhou")
    submitted = await community.do(
        "submitNeed", {"communityId": C, "title": "楼道灯坏了", "category": "BLUE_GUARD"}, "need { id }", as_=wang
    )
    need_id = submitted["need"]["id"]
    revision = {"needId": need_id, "title": "3号楼楼道灯坏了", "description": "晚上看不见台阶", "category": "BLUE_GUARD"}
    await community.do("reviseNeed", {**revision, "targetGroups": ["ELDERLY"], "location": "3号楼", "anonymous": False}, as_=wang)
    await community.do("supportNeed", {"needId": need_id}, as_=li)
    await community.do("withdrawSupport", {"needId": need_id}, as_=li)
    await community.do("supportNeed", {"needId": need_id}, as_=zhou)
    classification = {"needId": need_id, "category": "GREEN_GUARDIANS", "targetGroups": ["ELDERLY", "DISABLED"]}
    await community.do("classifyNeed", {**classification, "priority": "HIGH", "analysisNote": "公共照明，物业负责"}, as_=community.staff)
    duplicate = await community.do("submitNeed", {"communityId": C, "title": "楼道没灯"}, "need { id }", as_=community.resident("chen"))
    await community.do("supportNeed", {"needId": duplicate["need"]["id"]}, as_=community.resident("sun"))
    await community.do("mergeNeed", {"needId": duplicate["need"]["id"], "intoNeedId": need_id}, as_=community.staff)

    entries = await trail(community, need_id)
    masked = await trail(community, need_id, as_=zhou)

    raised = entry(entries, "needs.need.submitted.v1")
    assert (raised["actor"], changes(raised)["title"]) == ("wang", (None, "楼道灯坏了"))
    merged = entry(await trail(community, duplicate["need"]["id"]), "needs.need.merged.v1")
    assert (merged["actor"], changes(merged)) == ("staff", {"status": ("submitted", "merged")})
    revised = entry(entries, "needs.need.revised.v1")
    assert (revised["recordType"], revised["actor"]) == ("Need", "wang")
    assert changes(revised) == {
        "title": ("楼道灯坏了", "3号楼楼道灯坏了"),
        "description": ("", "晚上看不见台阶"),
        "target_groups": (["everyone"], ["elderly"]),
        "location": ("", "3号楼"),
    }
    support, withdrawn = entry(entries, "needs.need.supported.v1", 0), entry(entries, "needs.need.support_withdrawn.v1")
    assert (support["actor"], changes(support)) == ("li", {"support_count": (0, 1)})
    assert (withdrawn["actor"], changes(withdrawn)) == ("li", {"support_count": (1, 0)})
    classified = entry(entries, "needs.need.classified.v1")
    assert classified["actor"] == "staff"
    assert changes(classified) == {
        "category": ("blue_guard", "green_guardians"),
        "target_groups": (["elderly"], ["elderly", "disabled"]),
        "priority": ("normal", "high"),
        "analysis_note": ("", "公共照明，物业负责"),
    }
    carried = entry(entries, "needs.need.supporters_carried.v1")
    assert (carried["actor"], changes(carried)) == ("staff", {"support_count": (1, 3)})  # sun's support and chen's own
    assert [e["eventType"] for e in entries].count("needs.need.supporters_carried.v1") == 1  # the consumer's second pass adds none
    assert {e["actor"] for e in masked} == {"***"}  # a resident sees what changed, not who changed it
    assert [e["changes"] for e in masked] == [e["changes"] for e in entries]

    await community.do("acceptNeed", {"needId": need_id}, as_=community.staff)
    draft = community.item_input([need_id])
    created = await community.do("createServiceItem", draft, "serviceItem { id }", as_=community.staff)
    item_id = created["serviceItem"]["id"]
    input = {k: v for k, v in draft.items() if k not in ("communityId", "needIds")}
    budget = [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 300_000}, {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 50_000}]
    await community.do("reviseServiceItem", {**input, "itemId": item_id, "title": "楼道照明修复", "budget": budget}, as_=community.staff)

    item_entries = await trail(community, item_id)
    assert (entry(item_entries, "needs.item.drafted.v1")["actor"], changes(entry(item_entries, "needs.item.drafted.v1"))["status"]) == (
        "staff",
        (None, "draft"),
    )
    item_revised = entry(item_entries, "needs.item.revised.v1")
    assert (item_revised["recordType"], item_revised["actor"]) == ("ServiceItem", "staff")
    party = {"fund_source": "party_service_fund", "amount_fen": 300_000, "source_name": None}
    welfare = {"fund_source": "community_welfare_fund", "amount_fen": 50_000, "source_name": None}
    assert changes(item_revised) == {"title": ("独居老人探访", "楼道照明修复"), "budget": ([party], [party, welfare])}


async def test_a_projects_training_rectification_rating_and_meetings_keep_old_and_new(community: Community) -> None:
    organization_id = await community.organization("夕阳天使志愿服务队", leader={"name": "郑卫东", "account": "zheng"})
    leader = community.token("zheng", Role.ORG_LEADER, organization=organization_id)
    item_id = await community.item()
    claim_id = await community.claim(item_id, organization_id, as_=leader)
    meeting_id = await community.meeting(item_id)
    await community.approve(meeting_id, claim_id)
    training = {"claimId": claim_id, "on": "2026-11-20", "topic": "安全", "trainer": "周老师", "attendees": ["郑卫东"]}
    await community.do("recordTraining", training, as_=community.staff)
    await community.do("startImplementation", {"claimId": claim_id}, as_=leader)
    visit = {"claimId": claim_id, "on": "2026-11-21", "findings": "台账不全", "supervisor": "督导", "rectificationRequired": True}
    supervised = await community.do(
        "recordSupervision", {**visit, "rectificationDeadline": "2026-11-30"}, "claim { supervisions { id } }", as_=community.staff
    )
    visit_id = supervised["claim"]["supervisions"][0]["id"]
    await community.do("recordRectification", {"claimId": claim_id, "visitId": visit_id, "rectifiedOn": "2026-11-22"}, as_=leader)
    await community.finish(claim_id, as_=leader)
    rater = community.resident("served-1")
    await community.do("rateProject", {"claimId": claim_id, "score": 4, "comment": "老人们很开心"}, as_=rater)

    entries = await trail(community, claim_id)
    masked = await trail(community, claim_id, as_=rater)

    trained = entry(entries, "claims.project.training_recorded.v1")
    part = next(field for field in changes(trained) if field.startswith("trainings."))
    session = part.split(".")[1]
    assert (trained["recordType"], trained["actor"]) == ("Claim", "staff")
    assert changes(trained) == {
        "status": ("approved", "training"),
        f"trainings.{session}.on": (None, "2026-11-20"),
        f"trainings.{session}.topic": (None, "安全"),
        f"trainings.{session}.trainer": (None, "周老师"),
        f"trainings.{session}.attendees": (None, ["郑卫东"]),
    }
    assert changes(entry(entries, "claims.claim.submitted.v1"))["status"] == (None, "submitted")
    supervision = changes(entry(entries, "claims.project.supervised.v1"))
    assert supervision[f"supervisions.{visit_id}.findings"] == (None, "台账不全")
    assert supervision[f"supervisions.{visit_id}.rectification_deadline"] == (None, "2026-11-30")
    progress = changes(entry(entries, "claims.project.progress_reported.v1"))
    assert {field.rsplit(".", 1)[1]: value for field, value in progress.items() if field.endswith((".narrative", ".percent"))} == {
        "percent": (None, 100),
        "narrative": (None, "完成"),
    }
    assert changes(entry(entries, "claims.project.completed.v1"))["status"] == ("implementing", "completed")
    rectified = entry(entries, "claims.project.rectified.v1")
    assert (rectified["actor"], changes(rectified)) == ("zheng", {f"supervisions.{visit_id}.rectified_on": (None, "2026-11-22")})
    rated = entry(entries, "claims.project.rated.v1")
    assert rated["actor"] == "served-1"
    assert changes(rated) == {"rating_count": (0, 1), "rating_score": (None, 4), "rating_comment": (None, "老人们很开心")}
    hidden_rating = entry(masked, "claims.project.rated.v1")
    assert hidden_rating["actor"] == "***"
    assert changes(hidden_rating) == {"rating_count": (0, 1), "rating_score": (None, 4), "rating_comment": (None, "***")}
    hidden_training = changes(entry(masked, "claims.project.training_recorded.v1"))
    assert (hidden_training[f"trainings.{session}.trainer"], hidden_training[f"trainings.{session}.topic"]) == (
        (None, "***"),
        (None, "安全"),
    )

    decided = entry(await trail(community, meeting_id), "claims.meeting.decided.v1")
    assert (decided["recordType"], decided["actor"]) == ("IntentionMeeting", "staff")
    outcome = {"item_id": item_id, "outcome": "approved", "reason": "方案可行"}
    assert changes(decided) == {f"decisions.{claim_id}": (None, outcome)}

    other = await community.item()
    await community.claim(other, organization_id, as_=leader)
    second = await community.meeting(other)
    plan = {"meetingId": second, "scheduledAt": "2026-12-20T19:00:00+08:00", "venue": "党群服务中心", "agenda": [other]}
    await community.do("replanMeeting", {**plan, "attendees": [{"name": "刘阿姨", "role": "RESIDENT_REPRESENTATIVE"}]}, as_=community.staff)
    await community.do("cancelMeeting", {"meetingId": second, "reason": "改期到明年"}, as_=community.staff)

    meeting_entries = await trail(community, second)
    replanned = changes(entry(meeting_entries, "claims.meeting.replanned.v1"))
    assert replanned["venue"] == ("社区活动室", "党群服务中心")
    assert replanned["scheduled_at"][1] == "2026-12-20T11:00:00+00:00"
    assert replanned["attendees"] == (
        [{"name": "居民代表", "role": "resident_representative", "organization_id": None}],
        [{"name": "刘阿姨", "role": "resident_representative", "organization_id": None}],
    )
    assert "agenda" not in replanned
    assert changes(entry(await trail(community, second, as_=rater), "claims.meeting.replanned.v1"))["attendees"] == ("***", "***")
    cancelled = entry(meeting_entries, "claims.meeting.cancelled.v1")
    assert (cancelled["actor"], changes(cancelled)) == ("staff", {"status": ("scheduled", "cancelled")})

    assert (await community.query(CHECK))["verifyAuditChain"]["valid"] is True
    entries_store = community.apps["audit"].state.handlers.store.entries
    await entries_store.update_one({"community_id": C, "seq": rated["seq"]}, {"$set": {"actor": "someone-else"}})
    broken = (await community.query(CHECK))["verifyAuditChain"]
    assert (broken["valid"], broken["brokenAtSeq"], broken["checked"]) == (False, rated["seq"], rated["seq"] - 1)


async def test_an_organizations_members_and_management_group_keep_old_and_new_masked_for_residents(community: Community) -> None:
    members = [{"name": "何静", "phone": "13900000001"}, {"name": "刘强"}]
    organization_id = await community.organization("掌上明珠摄影队", leader={"name": "郑卫东", "phone": "13900000000"}, members=members)
    added = await community.do(
        "addOrganizationMember",
        {"organizationId": organization_id, "member": {"name": "王秀兰", "phone": "13800000000", "joinedOn": "2026-01-05"}},
        "organization { members { id name } }",
        as_=community.staff,
    )
    ids = {member["name"]: member["id"] for member in added["organization"]["members"]}
    team = [ids["郑卫东"], ids["何静"], ids["王秀兰"]]
    await community.do("setOrganizationManagementGroup", {"organizationId": organization_id, "memberIds": team}, as_=community.staff)
    await community.do("removeOrganizationMember", {"organizationId": organization_id, "memberId": ids["刘强"]}, as_=community.staff)

    entries = await trail(community, organization_id)
    masked = await trail(community, organization_id, as_=community.resident("zhou"))

    wang = {"id": ids["王秀兰"], "name": "王秀兰", "phone": "13800000000", "joined_on": "2026-01-05", "account": None}
    liu = {"id": ids["刘强"], "name": "刘强", "phone": "", "joined_on": "2015-01-01", "account": None}
    joined, left = entry(entries, "orgs.org.updated.v1", -2), entry(entries, "orgs.org.updated.v1", -1)
    assert (joined["recordType"], joined["actor"], changes(joined)) == ("Organization", "staff", {f"members.{ids['王秀兰']}": (None, wang)})
    assert (left["actor"], changes(left)) == ("staff", {f"members.{ids['刘强']}": (liu, None)})
    assert changes(entry(entries, "orgs.org.team_changed.v1")) == {"management_group": ([], team)}
    assert entry(entries, "orgs.org.registered.v1")["actor"] == "staff"
    assert changes(entry(masked, "orgs.org.updated.v1", -2)) == {f"members.{ids['王秀兰']}": (None, "***")}
    assert changes(entry(masked, "orgs.org.updated.v1", -1)) == {f"members.{ids['刘强']}": ("***", None)}
    assert changes(entry(masked, "orgs.org.team_changed.v1")) == {"management_group": ([], team)}  # member ids, not people
    shown = json.dumps(masked, ensure_ascii=False)
    assert [person for person in ("王秀兰", "13800000000", "刘强", "13900000001") if person in shown] == []
    assert (await community.query(CHECK))["verifyAuditChain"]["valid"] is True


async def test_an_activity_sessions_sign_ups_move_and_cancellation_keep_old_and_new(community: Community) -> None:
    item_id = await community.item()
    starts = (community.clock() + timedelta(days=2)).replace(microsecond=0)
    plan = {"itemId": item_id, "startsAt": starts.isoformat(), "durationMinutes": 90, "venue": "社区广场", "capacity": 1}
    scheduled = await community.do("scheduleActivitySessions", plan, "sessions { id }", as_=community.staff)
    session_id = scheduled["sessions"][0]["id"]
    await community.do("signUpForSession", {"sessionId": session_id}, as_=community.resident("wang"))
    await community.do("signUpForSession", {"sessionId": session_id}, as_=community.resident("li"))
    await community.do("withdrawFromSession", {"sessionId": session_id}, as_=community.resident("wang"))
    later = starts + timedelta(hours=3)
    await community.do(
        "moveActivitySession", {"sessionId": session_id, "startsAt": later.isoformat(), "venue": "活动室"}, as_=community.staff
    )
    await community.do("cancelActivitySession", {"sessionId": session_id, "reason": "大风降温"}, as_=community.staff)

    entries = await trail(community, session_id)
    masked = await trail(community, session_id, as_=community.resident("zhou"))

    assert [(e["eventType"], e["actor"]) for e in entries] == [
        ("people.signup.confirmed.v1", "wang"),
        ("people.signup.waitlisted.v1", "li"),
        ("people.signup.withdrawn.v1", "wang"),
        ("people.signup.confirmed.v1", "li"),  # moved up into the freed place
        ("people.session.changed.v1", "staff"),
        ("people.session.changed.v1", "staff"),
    ]
    assert {e["recordType"] for e in entries} == {"ActivitySession"}
    assert changes(entries[0])["person_id"] == (None, "wang")
    assert changes(masked[0])["person_id"] == (None, "***")
    moved, cancelled = changes(entries[-2]), changes(entries[-1])
    assert (moved["venue"], moved["starts_at"][1]) == (("社区广场", "活动室"), later.astimezone(UTC).isoformat())
    assert cancelled == {"status": ("scheduled", "cancelled"), "cancel_reason": (None, "大风降温")}
    assert (await community.query(CHECK))["verifyAuditChain"]["valid"] is True


async def test_attendance_check_in_out_recorded_and_confirmed_keeps_old_and_new(community: Community) -> None:
    item_id = await community.item()
    starts = (community.clock() + timedelta(minutes=10)).replace(microsecond=0)
    plan = {"itemId": item_id, "startsAt": starts.isoformat(), "durationMinutes": 60, "venue": "社区广场", "capacity": 5}
    session_id = (await community.do("scheduleActivitySessions", plan, "sessions { id }", as_=community.staff))["sessions"][0]["id"]
    wang = community.resident("wang")
    await community.do("signUpForSession", {"sessionId": session_id}, as_=wang)
    code = (await community.do("issueCheckInCode", {"sessionId": session_id}, "checkInCode { code }", as_=community.staff))["checkInCode"]
    await community.do("checkIn", {"sessionId": session_id, "code": code["code"]}, as_=wang)
    await community.do("checkOut", {"sessionId": session_id, "code": code["code"]}, as_=wang)
    came, left = starts - timedelta(minutes=5), starts + timedelta(minutes=50)
    paper = {"sessionId": session_id, "personId": "liu", "checkedInAt": came.isoformat(), "checkedOutAt": left.isoformat()}
    await community.do("recordAttendance", paper, as_=community.staff)
    await community.do("recordAttendance", {**paper, "checkedOutAt": (left + timedelta(minutes=10)).isoformat()}, as_=community.staff)
    await community.do("confirmAttendance", {"sessionId": session_id}, as_=community.staff)

    own = await trail(community, attendance_id(session_id, "wang"))
    paper_trail = await trail(community, attendance_id(session_id, "liu"))
    masked = await trail(community, attendance_id(session_id, "liu"), as_=community.resident("zhou"))

    assert [(e["recordType"], e["eventType"], e["actor"]) for e in own] == [
        ("Attendance", "people.attendance.checked_in.v1", "wang"),
        ("Attendance", "people.attendance.checked_out.v1", "wang"),
        ("Attendance", "people.attendance.confirmed.v1", "staff"),
    ]
    checked_in, checked_out = changes(own[0]), changes(own[1])
    assert (list(checked_in), checked_in["checked_in_at"][0]) == (["checked_in_at"], None)
    assert (list(checked_out), checked_out["checked_out_at"][0]) == (["checked_out_at"], None)
    assert changes(own[2]) == {"minutes": (None, 0), "confirmed_by": (None, "staff")}
    utc = [moment.astimezone(UTC).isoformat() for moment in (came, left, left + timedelta(minutes=10))]
    assert [e["eventType"] for e in paper_trail] == ["people.attendance.recorded.v1"] * 2 + ["people.attendance.confirmed.v1"]
    assert changes(paper_trail[0]) == {
        "checked_in_at": (None, utc[0]),
        "checked_out_at": (None, utc[1]),
        "recorded_by": (None, "staff"),
    }
    assert changes(paper_trail[1]) == {"checked_out_at": (utc[1], utc[2])}
    assert changes(paper_trail[2]) == {"minutes": (None, 65), "confirmed_by": (None, "staff")}  # 5 minutes early to the end
    assert changes(masked[2]) == {"minutes": (None, 65), "confirmed_by": (None, "***")}
    assert (await community.query(CHECK))["verifyAuditChain"]["valid"] is True
