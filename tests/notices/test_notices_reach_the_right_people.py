"""Each notice kind reaches exactly the people concerned, once, and nobody of another community."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from services.claims.domain.claim import Claimant, Proposal, submit
from services.claims.domain.vocabulary import ClaimantKind
from services.common.identity import Role
from services.notices.domain import notices_for
from tests.notices.conftest import Platform

AT = datetime(2026, 11, 1, tzinfo=UTC)


async def _need(platform: Platform, token: str, title: str, community: str = "c1") -> str:
    payload = await platform.mutate("submitNeed", {"communityId": community, "title": title}, "need { id }", as_=token)
    need_id: str = payload["need"]["id"]
    return need_id


def _kinds(notices: list[dict[str, object]]) -> Counter[str]:
    return Counter(str(notice["kind"]) for notice in notices)


async def test_need_notices_reach_the_submitter_and_supporters_once_and_nobody_else(platform: Platform) -> None:
    wang, li, zhao = (platform.token(name, Role.RESIDENT, "c1") for name in ("wang", "li", "zhao"))
    chen = platform.token("chen", Role.RESIDENT, "c2")
    staff, staff2 = platform.token("staff", Role.COMMUNITY_STAFF, "c1"), platform.token("staff2", Role.COMMUNITY_STAFF, "c2")
    lamp = await _need(platform, wang, "楼道灯坏了")
    await platform.mutate("supportNeed", {"needId": lamp}, "need { id }", as_=li)
    duplicate = await _need(platform, zhao, "三号楼楼道灯不亮")
    noise = await _need(platform, zhao, "想要广场舞音响")
    elsewhere = await _need(platform, chen, "楼道灯坏了", community="c2")

    await platform.mutate("acceptNeed", {"needId": lamp}, "need { id }", as_=staff)
    await platform.mutate("rejectNeed", {"needId": noise, "reason": "噪音扰民"}, "need { id }", as_=staff)
    await platform.mutate("mergeNeed", {"needId": duplicate, "intoNeedId": lamp}, "need { id }", as_=staff)
    await platform.mutate("acceptNeed", {"needId": elsewhere}, "need { id }", as_=staff2)
    await platform.settle()
    await platform.settle()  # a redelivery changes nothing: the ids are derived from the events

    assert _kinds(await platform.notices(wang)) == {"NEED_ACCEPTED": 1}
    zhaos = await platform.notices(zhao)
    assert _kinds(zhaos) == {"NEED_REJECTED": 1, "NEED_MERGED": 1}
    assert "噪音扰民" in next(notice["body"] for notice in zhaos if notice["kind"] == "NEED_REJECTED")
    assert _kinds(await platform.notices(li)) == {"SUPPORTED_NEED_MOVED": 1}
    chens = await platform.notices(chen)
    assert _kinds(chens) == {"NEED_ACCEPTED": 1}
    assert chens[0]["communityId"] == "c2"
    assert chens[0]["subjectId"] == elsewhere
    assert await platform.notices(staff) == []
    assert await platform.notices(staff2) == []
    # the same subject with a token of the other community sees nothing of c1
    assert await platform.notices(platform.token("wang", Role.RESIDENT, "c2")) == []


async def test_the_claimant_hears_of_shortlisting_approval_and_rejection_with_the_reason(platform: Platform) -> None:
    claimant = Claimant(ClaimantKind.SOCIAL_ORGANIZATION, "leader-1", "org-1", "夕阳天使")
    other = Claimant(ClaimantKind.RESIDENT, "resident-9")
    claim, opened = submit(claim_id="k1", item_id="i1", community_id="c1", claimant=claimant, proposal=Proposal("每月两次"), at=AT)
    rival, opened_too = submit(claim_id="k2", item_id="i1", community_id="c1", claimant=other, proposal=Proposal("我来做"), at=AT)
    shortlisted, first = claim.shortlist(actor="staff", at=AT)
    _, second = shortlisted.approve(meeting_id="m1", actor="staff", at=AT)
    _, third = rival.reject("方案不完整", meeting_id="m1", actor="staff", at=AT)
    for event in (*opened, *opened_too, *first, *second, *third):
        await platform.bus.publish(event)
    await platform.settle()

    assert [notices_for(event) for event in opened] == [[]]  # a submission tells nobody; it names the claim's person
    assert _kinds(await platform.notices(platform.token("leader-1", Role.ORG_LEADER, "c1"))) == {
        "CLAIM_SHORTLISTED": 1,
        "CLAIM_APPROVED": 1,
    }
    rejected = await platform.notices(platform.token("resident-9", Role.RESIDENT, "c1"))
    assert _kinds(rejected) == {"CLAIM_REJECTED": 1}
    assert "方案不完整" in rejected[0]["body"]
    assert await platform.notices(platform.token("leader-1", Role.ORG_LEADER, "c2")) == []


async def test_mark_read_unread_filter_and_muted_kinds(platform: Platform) -> None:
    wang, staff = platform.token("wang", Role.RESIDENT, "c1"), platform.token("staff", Role.COMMUNITY_STAFF, "c1")
    first, second = await _need(platform, wang, "路灯不亮"), await _need(platform, wang, "垃圾桶满了")
    await platform.mutate("setNoticePreferences", {"mutedKinds": ["NEED_REJECTED"]}, "preferences { mutedKinds }", as_=wang)
    await platform.mutate("acceptNeed", {"needId": first}, "need { id }", as_=staff)
    await platform.mutate("rejectNeed", {"needId": second, "reason": "已有项目"}, "need { id }", as_=staff)
    await platform.settle()
    notices = await platform.notices(wang)
    assert _kinds(notices) == {"NEED_ACCEPTED": 1}

    outsider = await platform.client.mutation(
        "markNoticesRead", {"noticeIds": [notices[0]["id"]]}, "marked", as_=platform.token("li", Role.RESIDENT, "c1")
    )
    assert [error["code"] for error in outsider["errors"]] == ["NOT_FOUND"]
    marked = await platform.mutate("markNoticesRead", {"noticeIds": [notices[0]["id"]]}, "marked unreadCount", as_=wang)
    assert (marked["marked"], marked["unreadCount"]) == (1, 0)
    unread = await platform.client.data("{ myNotices(unreadOnly: true) { totalCount } myUnreadNoticeCount }", as_=wang)
    assert unread == {"myNotices": {"totalCount": 0}, "myUnreadNoticeCount": 0}
    bad = await platform.client.mutation("setNoticePreferences", {"channels": ["SMS"]}, "preferences { channels }", as_=wang)
    assert [(error["code"], error["field"]) for error in bad["errors"]] == [("INVALID_INPUT", "phone")]
