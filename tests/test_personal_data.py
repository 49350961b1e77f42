"""Issue 19.5 (个人信息保护法): personal data is anonymised after the retention period with every figure
unchanged, and a resident's erasure request removes her name and phone from every service she
appears in (read back by staff), audited in her community's trail — all through the gateway."""

from __future__ import annotations

from datetime import timedelta

from tests.community import community_platform
from tests.test_statistics import CLAIM_STATS, NEED_STATS

NEED = "query($id: ID!) { need(id: $id) { title location submitterId supportCount status } }"
CLAIM = "query($id: ID!) { claim(id: $id) { status claimant { name } proposal { team } } }"
RESIDENT = "resident-li"


async def test_anonymisation_after_the_retention_period_keeps_the_statistics_equal() -> None:
    async with community_platform() as community:
        li, wang = community.resident(RESIDENT), community.resident("resident-wang")
        by_staff = await community.attempt("setRetentionPeriod", {"districtId": "d1", "days": 1}, "district { id }", as_=community.staff)
        retention = await community.do(
            "setRetentionPeriod", {"districtId": "d1", "days": 30}, "district { retentionDays }", as_=community.admin
        )
        old = await community.do(
            "submitNeed",
            {"communityId": "c1", "title": "楼道灯坏了", "category": "BLUE_GUARD", "location": "3号楼2单元"},
            "need { id }",
            as_=li,
        )
        old_id = old["need"]["id"]
        await community.do("supportNeed", {"needId": old_id}, as_=wang)
        await community.do("acceptNeed", {"needId": old_id}, as_=community.staff)
        item_id = await community.item(need_ids=[old_id])
        proposal = {"plan": "楼道清扫", "team": ["李秀英"], "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 50_000}]}
        claim_id = (await community.do("submitClaim", {"itemId": item_id, "proposal": proposal}, "claim { id }", as_=li))["claim"]["id"]
        await community.approve(await community.meeting(item_id), claim_id)
        volunteer = {"communityId": "c1", "realName": "李秀英", "displayName": "小李", "phone": "13800001111"}
        await community.do("registerVolunteer", volunteer, as_=li)
        community.clock.advance(timedelta(days=31))
        recent = await community.do(
            "submitNeed", {"communityId": "c1", "title": "健身器材生锈", "location": "小广场"}, "need { id }", as_=wang
        )
        recent_id = recent["need"]["id"]
        before = await community.query(NEED_STATS, as_=community.admin)
        claims_before = await community.query(CLAIM_STATS, as_=community.admin)

        anonymised = await community.apps["needs"].state.handlers.anonymise_expired()
        again = await community.apps["needs"].state.handlers.anonymise_expired()
        others = [await community.apps[name].state.handlers.anonymise_expired() for name in ("claims", "people")]
        await community.settle()
        after = await community.query(NEED_STATS, as_=community.admin)
        claims_after = await community.query(CLAIM_STATS, as_=community.admin)
        claim = (await community.query(CLAIM, {"id": claim_id}))["claim"]
        register = (await community.query('{ volunteers(communityId: "c1") { edges { node { realName phone } } } }'))["volunteers"]
        old_need = (await community.query(NEED, {"id": old_id}))["need"]
        recent_need = (await community.query(NEED, {"id": recent_id}))["need"]
        mine = await community.query("{ myNeeds { totalCount } }", as_=li)

    assert by_staff["errors"][0]["code"] == "FORBIDDEN"
    assert retention["district"] == {"retentionDays": 30}
    assert (anonymised, again) == (1, 0)
    assert after == before
    assert claims_after == claims_before
    assert {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 50_000} in claims_before["district"]["claimStats"]["fundsApproved"]
    assert others == [1, 1]
    assert claim == {"status": "APPROVED", "claimant": {"name": "已匿名"}, "proposal": {"team": ["已匿名"]}}
    assert register["edges"] == [{"node": {"realName": "已匿名", "phone": None}}]
    assert before["district"]["needStats"]["total"] == 2
    assert old_need == {"title": "楼道灯坏了", "location": "", "submitterId": None, "supportCount": 1, "status": "PLANNED"}
    assert recent_need["location"] == "小广场"
    assert recent_need["submitterId"] == "resident-wang"
    assert mine["myNeeds"]["totalCount"] == 0


async def test_the_platform_default_applies_where_a_district_set_no_period() -> None:
    async with community_platform(personal_data_retention_days=10) as community:
        need_id = (
            await community.do(
                "submitNeed",
                {"communityId": "c1", "title": "井盖松动", "location": "5号楼"},
                "need { id }",
                as_=community.resident(RESIDENT),
            )
        )["need"]["id"]
        community.clock.advance(timedelta(days=9))
        too_soon = await community.apps["needs"].state.handlers.anonymise_expired()
        community.clock.advance(timedelta(days=2))
        due = await community.apps["needs"].state.handlers.anonymise_expired()
        need = (await community.query(NEED, {"id": need_id}))["need"]

    assert (too_soon, due) == (0, 1)
    assert (need["location"], need["submitterId"]) == ("", None)


async def test_an_erasure_request_removes_her_name_and_phone_everywhere_and_is_audited() -> None:
    async with community_platform() as community:
        li = community.resident(RESIDENT)
        neighbour = {"name": "李秀英", "phone": "13800001111", "account": RESIDENT}
        organization_id = await community.organization("夕阳红志愿队", members=[neighbour, {"name": "张大爷", "phone": "13900002222"}])
        await community.do(
            "registerVolunteer", {"communityId": "c1", "realName": "李秀英", "displayName": "小李", "phone": "13800001111"}, as_=li
        )
        await community.do("setNoticePreferences", {"channels": ["SMS"], "phone": "13800001111"}, as_=li)
        need_id = (
            await community.do("submitNeed", {"communityId": "c1", "title": "路灯不亮", "location": "李家门口"}, "need { id }", as_=li)
        )["need"]["id"]

        item_id = await community.item()
        proposal = {"plan": "楼道清扫", "team": ["李秀英", "李大伟"]}
        claim_id = (await community.do("submitClaim", {"itemId": item_id, "proposal": proposal}, "claim { id }", as_=li))["claim"]["id"]
        claim_before = (await community.query(CLAIM, {"id": claim_id}))["claim"]

        refused = await community.attempt("requestPersonalDataErasure", {"communityId": "c2"}, "request { id }", as_=li)
        payload = await community.do("requestPersonalDataErasure", {"communityId": "c1"}, "request { id communityId }", as_=li)
        members = (await community.query("query($id: ID!) { organization(id: $id) { members { name phone } } }", {"id": organization_id}))[
            "organization"
        ]["members"]
        volunteers = (await community.query('{ volunteers(communityId: "c1") { edges { node { realName displayName phone } } } }'))[
            "volunteers"
        ]["edges"]
        preferences = (await community.query("{ myNoticePreferences { phone channels } }", as_=li))["myNoticePreferences"]
        need = (await community.query(NEED, {"id": need_id}))["need"]
        claim = (await community.query(CLAIM, {"id": claim_id}))["claim"]
        trail = await community.query(
            "query($id: ID!) { auditTrail(recordId: $id) { eventType recordType } }", {"id": payload["request"]["id"]}
        )

    assert refused["errors"][0]["code"] == "FORBIDDEN"
    assert payload["request"]["communityId"] == "c1"
    assert {"name": "张大爷", "phone": "13900002222"} in members
    assert not any(member["name"] == "李秀英" or member["phone"] == "13800001111" for member in members)
    assert [edge["node"] for edge in volunteers] == [{"realName": "已匿名", "displayName": "已匿名", "phone": None}]
    assert preferences == {"phone": None, "channels": []}
    assert (need["location"], need["submitterId"]) == ("", None)
    assert claim_before["proposal"]["team"] == ["李秀英", "李大伟"]
    assert claim == {"status": claim_before["status"], "claimant": {"name": "已匿名"}, "proposal": {"team": ["已匿名", "已匿名"]}}
    assert trail["auditTrail"] == [{"eventType": "orgs.subject.erasure_requested.v1", "recordType": "Subject"}]


EXPORT = """request { id } data { person
  memberships { organizationName name phone }
  submittedNeeds { title location } supportedNeedIds
  volunteerEntries { realName displayName phone }
  noticeContacts { phone channels } }"""


async def test_an_export_returns_what_every_service_holds_about_her_and_only_to_her() -> None:
    async with community_platform() as community:
        li, wang = community.resident(RESIDENT), community.resident("resident-wang")
        neighbour = {"name": "李秀英", "phone": "13800001111", "account": RESIDENT}
        await community.organization("夕阳红志愿队", members=[neighbour])
        await community.do(
            "registerVolunteer", {"communityId": "c1", "realName": "李秀英", "displayName": "小李", "phone": "13800001111"}, as_=li
        )
        await community.do("setNoticePreferences", {"channels": ["SMS"], "phone": "13800001111"}, as_=li)
        await community.do("submitNeed", {"communityId": "c1", "title": "路灯不亮", "location": "李家门口"}, as_=li)
        others = (await community.do("submitNeed", {"communityId": "c1", "title": "健身器材生锈"}, "need { id }", as_=wang))["need"]["id"]
        await community.do("supportNeed", {"needId": others}, as_=li)

        mine = await community.do("exportMyPersonalData", {"communityId": "c1"}, EXPORT, as_=li)
        hers = await community.do("exportMyPersonalData", {"communityId": "c1"}, EXPORT, as_=wang)
        outsider = await community.attempt("exportMyPersonalData", {"communityId": "c2"}, EXPORT, as_=li)
        trail = await community.query("query($id: ID!) { auditTrail(recordId: $id) { eventType } }", {"id": mine["request"]["id"]})

    assert mine["data"] == {
        "person": RESIDENT,
        "memberships": [{"organizationName": "夕阳红志愿队", "name": "李秀英", "phone": "13800001111"}],
        "submittedNeeds": [{"title": "路灯不亮", "location": "李家门口"}],
        "supportedNeedIds": [others],
        "volunteerEntries": [{"realName": "李秀英", "displayName": "小李", "phone": "13800001111"}],
        "noticeContacts": {"phone": "13800001111", "channels": ["INBOX", "SMS"]},
    }
    assert hers["data"]["memberships"] == []
    assert hers["data"]["volunteerEntries"] == []
    assert [need["title"] for need in hers["data"]["submittedNeeds"]] == ["健身器材生锈"]
    assert outsider["errors"][0]["code"] == "FORBIDDEN"
    assert outsider["data"] is None
    assert trail["auditTrail"] == [{"eventType": "orgs.subject.export_requested.v1"}]
