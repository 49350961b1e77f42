"""Minutes in the 公示: published with residents' numbers and labelled names masked, or as the public version staff wrote; staff read them as written."""

from __future__ import annotations

from services.common.identity import Role
from tests.community import C, Community, community_platform

MINUTES = "居民王秀兰（电话 138-1234-5678，身份证号 11010119600101123X）反映楼道无扶手。联系人：张建国，邮箱 zhangjg@example.com。决定由夕阳天使认领。"
PUBLIC = "居民反映楼道无扶手，决定由夕阳天使认领。如有疑问请致电 13900001111。"
NOTICE = f'{{ publicNotice(communityId: "{C}") {{ meetings {{ id minutes minutesAsWritten decisions {{ outcome }} }} }} }}'
CONCLUDE = "meeting { id minutes publicMinutes }"


async def concluded_meeting(community: Community, *, public_minutes: str | None) -> str:
    """A meeting that approved a claim, concluded with MINUTES (and a public version if given); its id."""
    item = await community.item()
    claim = await community.claim(item, await community.organization(f"夕阳天使{public_minutes is None}"))
    meeting = await community.meeting(item)
    await community.approve(meeting, claim)
    input = {"meetingId": meeting, "minutes": MINUTES, **({"publicMinutes": public_minutes} if public_minutes is not None else {})}
    concluded = await community.do("concludeMeeting", input, CONCLUDE, as_=community.staff)
    assert concluded["meeting"]["minutes"] == MINUTES  # the claims service keeps what staff wrote
    assert concluded["meeting"]["publicMinutes"] == (public_minutes or "")
    return meeting


async def test_minutes_with_a_phone_and_an_id_number_are_published_masked_and_staff_read_them_as_written() -> None:
    async with community_platform() as community:
        masked_meeting = await concluded_meeting(community, public_minutes=None)
        public_meeting = await concluded_meeting(community, public_minutes=PUBLIC)
        outsider = community.token("staff-elsewhere", Role.COMMUNITY_STAFF, communities=("c9",))

        anonymous = (await community.client.data(NOTICE))["publicNotice"]["meetings"]
        resident = (await community.client.data(NOTICE, as_=community.resident("resident-1")))["publicNotice"]["meetings"]
        elsewhere = (await community.client.data(NOTICE, as_=outsider))["publicNotice"]["meetings"]
        staff = (await community.client.data(NOTICE, as_=community.staff))["publicNotice"]["meetings"]
        admin = (await community.client.data(NOTICE, as_=community.admin))["publicNotice"]["meetings"]

    by_id = {meeting["id"]: meeting for meeting in anonymous}
    assert by_id[masked_meeting]["minutes"] == (
        "居民王秀兰（电话 138****5678，身份证号 110*************3X）反映楼道无扶手。联系人：张**，邮箱 z***@example.com。决定由夕阳天使认领。"
    )
    assert by_id[public_meeting]["minutes"] == "居民反映楼道无扶手，决定由夕阳天使认领。如有疑问请致电 139****1111。"
    for seen in (anonymous, resident, elsewhere):
        text = str(seen)
        assert "13812345678" not in text.replace("-", "")
        assert "11010119600101123X" not in text
        assert "张建国" not in text
        assert [meeting["minutesAsWritten"] for meeting in seen] == [None, None]
    assert resident == anonymous
    for reader in (staff, admin):
        assert {meeting["id"]: meeting["minutesAsWritten"] for meeting in reader} == {masked_meeting: MINUTES, public_meeting: MINUTES}
        assert [meeting["minutes"] for meeting in reader] == [meeting["minutes"] for meeting in anonymous]  # the public text is one
