"""Issue 19.5 (个人信息保护法), the rest of the reach: after a resident's erasure request no path returns her
personal data — the partner feed replayed, organization applications, evidence metadata, ratings,
notices, her own export — while every figure stays; the retention sweep anonymises what is past the
period (dissolved organizations' members, notice contacts, applications, the feed) and keeps the
figures; her export holds a section from every service. In process, through the gateway."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from services.common.identity import Role
from services.common.privacy import ANONYMISED, pseudonym
from services.people.domain.volunteers import masked
from tests.community import Community, community_platform
from tests.support import eventually
from tests.test_statistics import CLAIM_STATS, NEED_STATS

RESIDENT, NAME, PHONE, ADDRESS = "resident-li", "李秀英", "13800001111", "3号楼李家门口"
HERS = (RESIDENT, NAME, PHONE, ADDRESS)
ORG_STATS = '{ district(id: "d1") { organizationStats { total byKind { kind count } byPurpose { purpose count } } } }'
FEED = """query($after: String) { events(first: 100, after: $after) {
  edges { node { cursor id routingKey data } } pageInfo { endCursor hasNextPage } } }"""
EXPORT = """request { id } data { person
  memberships { organizationName name phone }
  submittedNeeds { title location } supportedNeedIds
  volunteerEntries { realName phone }
  noticeContacts { phone channels }
  residentClaims { id status claimantName team plan }
  ratingsGiven { claimId score comment }
  organizationApplications { applicant application { name leaderName memberNames } entries { name phone } }
  uploadedEvidence { id kind filename }
  attendance { sessionId minutes }
  certificates { code maskedName } }"""
APPLICATIONS = '{ organizationApplications(communityId: "c1") { id applicant leaderName memberNames status } }'
KEPT = frozenset({"renling_orgs.privacy_requests"})
"""Where her account stays on purpose: the record of her request itself (the proof that it was made and answered).
The tamper-evident audit trail is scanned too: its personal values are erased, their digests kept, the chain valid."""
CHAIN = '{ verifyAuditChain(communityId: "c1") { valid checked brokenAtSeq } }'
UPLOAD = "mutation($i: RequestEvidenceUploadInput!) { requestEvidenceUpload(input: $i) { evidenceId uploadUrl errors { code field } } }"


def _picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def _mentions(value: Any, *words: str) -> list[str]:
    """Which of ``words`` appear anywhere in a JSON value."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return [word for word in words if word in text]


async def _feed(community: Community, token: str) -> list[dict[str, Any]]:
    """The whole feed as this caller may replay it, oldest first."""
    entries: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (await community.query(FEED, {"after": after}, as_=token))["events"]
        entries += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return entries
        after = page["pageInfo"]["endCursor"]


async def _figures(community: Community) -> list[dict[str, Any]]:
    return [await community.query(query, as_=community.admin) for query in (NEED_STATS, CLAIM_STATS, ORG_STATS)]


async def _completed_project(community: Community, item_id: str) -> str:
    """An organization's claim on the item, approved, implemented and completed; its id."""
    organization_id = await community.organization("掌上明珠摄影队", leader={"name": "郑卫东", "account": "zheng"})
    leader = community.token("zheng", Role.ORG_LEADER, organization=organization_id)
    claim_id = await community.claim(item_id, organization_id, as_=leader)
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=leader)
    await community.finish(claim_id, as_=leader)
    return claim_id


async def _her_world(community: Community) -> dict[str, str]:
    """Li's traces in every service: an organization she leads (and its claim's evidence she attached), an application,
    a need with her address, a supported need, a claim of her own, a rating, her volunteer entry, an hour of service
    and its certificate, and her phone for SMS."""
    li, wang = community.resident(RESIDENT), community.resident("resident-wang")
    leader = {"name": NAME, "phone": PHONE, "account": RESIDENT}
    organization_id = await community.organization("夕阳红志愿队", leader=leader, members=[{"name": "张大爷", "phone": "13900002222"}])
    application = {
        "communityId": "c1", "name": "银发编织社", "purpose": "MUTUAL_BENEFIT", "fields": ["CULTURE_SPORTS"], "description": "每周三编织",
        "foundedOn": "2026-03-01", "leader": {"name": NAME, "phone": PHONE}, "members": [{"name": "邓丽娟"}],
    }  # fmt: skip
    await community.do("applyForOrganization", application, "application { id }", as_=li)
    await community.do("registerVolunteer", {"communityId": "c1", "realName": NAME, "displayName": "小李", "phone": PHONE}, as_=li)
    await community.do("setNoticePreferences", {"channels": ["SMS"], "phone": PHONE}, as_=li)
    need = await community.do("submitNeed", {"communityId": "c1", "title": "路灯不亮", "location": ADDRESS}, "need { id }", as_=li)
    await community.do("acceptNeed", {"needId": need["need"]["id"]}, as_=community.staff)
    others = (await community.do("submitNeed", {"communityId": "c1", "title": "健身器材生锈"}, "need { id }", as_=wang))["need"]["id"]
    await community.do("supportNeed", {"needId": others}, as_=li)

    own_item, org_item, rated_item = await community.item(), await community.item(), await community.item()
    proposal = {"plan": "楼道清扫", "team": [NAME], "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 20_000}]}
    own = (await community.do("submitClaim", {"itemId": own_item, "proposal": proposal}, "claim { id }", as_=li))["claim"]["id"]
    await community.approve(await community.meeting(own_item), own)
    as_leader = community.token(RESIDENT, Role.ORG_LEADER, organization=organization_id)
    org_claim = await community.claim(org_item, organization_id, as_=as_leader)
    granted = (
        await community.client.data(
            UPLOAD, {"i": {"recordId": org_claim, "kind": "PHOTO", "filename": f"{NAME}的活动照片.jpg"}}, as_=as_leader
        )
    )["requestEvidenceUpload"]
    stored = await community.client.http.put(urlsplit(granted["uploadUrl"]).path, content=_picture())  # through the gateway
    assert stored.status_code == 200, stored.text
    start = (community.clock() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    session = {"itemId": rated_item, "startsAt": start.isoformat(), "durationMinutes": 90, "venue": "社区广场", "capacity": 20}
    session_id = (await community.do("scheduleActivitySessions", session, "sessions { id }", as_=community.staff))["sessions"][0]["id"]
    community.clock.advance(timedelta(hours=3))
    hour = {
        "sessionId": session_id,
        "personId": RESIDENT,
        "checkedInAt": start.isoformat(),
        "checkedOutAt": (start + timedelta(hours=1)).isoformat(),
    }
    await community.do("recordAttendance", hour, as_=community.staff)
    await community.do("confirmAttendance", {"sessionId": session_id}, as_=community.staff)
    certificate = {"communityId": "c1", "periodFrom": "2026-01-01", "periodTo": "2027-12-31"}
    await community.do("issueVolunteerCertificate", certificate, "certificate { code }", as_=li)
    rated = await _completed_project(community, rated_item)
    await community.do("rateProject", {"claimId": rated, "score": 4, "comment": f"{NAME}：灯修好了"}, as_=li)
    await community.settle()
    return {"organization": organization_id, "own_claim": own, "org_claim": org_claim, "rated": rated}


def _stored_documents(community: Community, *, excluded: frozenset[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every document every service stores, as ``database.collection`` and the document (the in-memory server's)."""
    client = community.apps["needs"].state.database._server.client
    for database in client.list_database_names():
        for name in client[database].list_collection_names():
            if f"{database}.{name}" not in excluded:
                for document in client[database][name].find({}):
                    yield f"{database}.{name}", document


def _every_section(data: dict[str, Any], other: dict[str, Any], ids: dict[str, str]) -> None:
    """Her export holds what each service keeps about her; a neighbour's holds only what is hers."""
    assert data["memberships"] == [{"organizationName": "夕阳红志愿队", "name": NAME, "phone": PHONE}]
    assert data["submittedNeeds"] == [{"title": "路灯不亮", "location": ADDRESS}]
    assert len(data["supportedNeedIds"]) == 1
    assert data["volunteerEntries"] == [{"realName": NAME, "phone": PHONE}]
    assert data["noticeContacts"] == {"phone": PHONE, "channels": ["INBOX", "SMS"]}
    assert data["residentClaims"] == [
        {"id": ids["own_claim"], "status": "APPROVED", "claimantName": RESIDENT, "team": [NAME], "plan": "楼道清扫"}
    ]
    assert data["ratingsGiven"] == [{"claimId": ids["rated"], "score": 4, "comment": f"{NAME}：灯修好了"}]
    assert data["organizationApplications"] == [
        {
            "applicant": True,
            "application": {"name": "银发编织社", "leaderName": NAME, "memberNames": ["邓丽娟"]},
            "entries": [{"name": NAME, "phone": PHONE}],
        }
    ]
    assert [(e["kind"], e["filename"]) for e in data["uploadedEvidence"]] == [("PHOTO", f"{NAME}的活动照片.jpg")]
    assert [record["minutes"] for record in data["attendance"]] == [60]
    assert [certificate["maskedName"] for certificate in data["certificates"]] == [masked(NAME)]
    assert [k for k, v in other.items() if isinstance(v, list) and v] == ["submittedNeeds"]


async def test_her_export_holds_every_service_and_after_erasure_no_path_returns_her_data_and_the_figures_stay() -> None:
    async with community_platform() as community:
        li, partner = community.resident(RESIDENT), community.token("partner-ngo", Role.PARTNER)
        ids = await _her_world(community)
        export_before = await community.do("exportMyPersonalData", {"communityId": "c1"}, EXPORT, as_=li)
        neighbour = await community.do("exportMyPersonalData", {"communityId": "c1"}, EXPORT, as_=community.resident("resident-wang"))
        feed_before, partner_before = await _feed(community, community.staff), await _feed(community, partner)
        figures_before = await _figures(community)
        rated_before = await community.query("query($id: ID!) { claim(id: $id) { ratingCount averageRating } }", {"id": ids["rated"]})
        notices_before = await community.query("{ myNotices { totalCount } }", as_=li)

        await community.do("requestPersonalDataErasure", {"communityId": "c1"}, "request { id }", as_=li)

        feed_after, partner_after = await _feed(community, community.staff), await _feed(community, partner)
        applications = await community.query(APPLICATIONS)
        evidence = await community.query("query($id: ID!) { evidenceOf(recordId: $id) { kind filename } }", {"id": ids["org_claim"]})
        rated_after = await community.query("query($id: ID!) { claim(id: $id) { ratingCount averageRating } }", {"id": ids["rated"]})
        own_claim = await community.query("query($id: ID!) { claim(id: $id) { status claimant { name } } }", {"id": ids["own_claim"]})
        mine = await community.query("{ myRatings { score } myClaims { totalCount } myOrganizationApplications { id } }", as_=li)
        notices_after = await community.query("{ myNotices { totalCount } }", as_=li)
        left = [
            (where, document["_id"])
            for where, document in _stored_documents(community, excluded=KEPT)
            if _mentions({k: v for k, v in document.items() if k not in ("_id", "outbox")}, *HERS)
        ]
        audited = [doc for where, doc in _stored_documents(community, excluded=KEPT) if where == "renling_audit.entries"]
        in_c1 = [document for document in audited if document["community_id"] == "c1"]
        chain = await community.query(CHAIN, as_=community.staff)
        trail = await community.query(
            '{ communityAuditTrail(communityId: "c1", first: 500) { actor actorErased erased } }', as_=community.staff
        )
        export_after = await community.do("exportMyPersonalData", {"communityId": "c1"}, EXPORT, as_=li)  # a new request: audited anew
        figures_after = await _figures(community)

    _every_section(export_before["data"], neighbour["data"], ids)
    assert _mentions(feed_before, RESIDENT) == [RESIDENT]  # actor, submitter_id, supporter_ids, member_accounts…
    assert _mentions(partner_before, RESIDENT) == [RESIDENT]  # orgs.org.registered.v1 (public) lists member accounts
    assert _mentions(feed_after, *HERS) == []
    assert _mentions(partner_after, *HERS) == []
    assert [(e["id"], e["cursor"], e["routingKey"]) for e in feed_after[: len(feed_before)]] == [
        (e["id"], e["cursor"], e["routingKey"]) for e in feed_before
    ]
    assert pseudonym(RESIDENT) in json.dumps(feed_after)
    assert _mentions(applications, *HERS) == []
    assert [(a["leaderName"], a["memberNames"]) for a in applications["organizationApplications"]] == [("已匿名", ["邓丽娟"])]
    assert evidence["evidenceOf"] == [{"kind": "PHOTO", "filename": "已匿名.jpg"}]
    assert rated_after == rated_before == {"claim": {"ratingCount": 1, "averageRating": 4.0}}
    assert own_claim["claim"] == {"status": "APPROVED", "claimant": {"name": "已匿名"}}
    assert mine == {"myRatings": [], "myClaims": {"totalCount": 0}, "myOrganizationApplications": []}
    assert notices_before["myNotices"]["totalCount"] > 0
    assert notices_after["myNotices"]["totalCount"] == 0
    assert _mentions(export_before["data"], *HERS) == list(HERS)
    assert _mentions({k: v for k, v in export_after["data"].items() if k != "person"}, *HERS) == []
    assert [k for k, v in export_after["data"].items() if isinstance(v, list) and v] == []
    assert figures_after == figures_before
    assert left == []
    assert len(audited) > 40
    assert chain["verifyAuditChain"] == {"valid": True, "checked": len(in_c1), "brokenAtSeq": None}
    assert {"actor": "已匿名", "actorErased": True, "erased": True} in trail["communityAuditTrail"]
    assert RESIDENT not in [entry["actor"] for entry in trail["communityAuditTrail"]]


async def test_the_retention_sweeps_anonymise_what_is_past_the_period_everywhere_and_keep_the_figures() -> None:
    async with community_platform(privacy_sweep_interval_s=0.05) as community:
        li = community.resident(RESIDENT)
        await community.do("setRetentionPeriod", {"districtId": "d1", "days": 30}, "district { id }", as_=community.admin)
        members = [{"name": NAME, "phone": PHONE}]
        dissolved = await community.organization("旧时光合唱团", leader={"name": "周老师", "phone": "13700003333"}, members=members)
        active = await community.organization("红色课堂宣讲队", leader={"name": "王阿姨", "phone": "13600004444"}, members=members)
        today = community.clock().date().isoformat()
        change = {"organizationId": dissolved, "action": "DISSOLVE", "effectiveOn": today, "reason": "成员搬迁"}
        await community.do("changeOrganizationStatus", change, as_=community.staff)
        ids = await _her_world(community)
        figures_before = await _figures(community)
        feed_before = await _feed(community, community.staff)
        community.clock.advance(timedelta(days=31))
        wang = community.resident("resident-wang")
        await community.do("setNoticePreferences", {"channels": ["SMS"], "phone": "13500005555"}, as_=wang)

        query = "query($id: ID!) { organization(id: $id) { status leader { name phone } members { name phone } } }"

        exports: list[dict[str, Any]] = []

        async def swept() -> bool:
            organization = (await community.query(query, {"id": dissolved}))["organization"]
            contacts = (await community.query("{ myNoticePreferences { phone } }", as_=li))["myNoticePreferences"]
            ratings = (await community.query("{ myRatings { score } }", as_=li))["myRatings"]
            if organization["leader"]["name"] != "已匿名" or contacts["phone"] is not None or ratings:
                return False
            exports.append((await community.do("exportMyPersonalData", {"communityId": "c1"}, EXPORT, as_=li))["data"])
            latest = exports[-1]
            swept_names = [entry["realName"] for entry in latest["volunteerEntries"]] == [ANONYMISED]
            return not latest["uploadedEvidence"] and not latest["submittedNeeds"] and swept_names and bool(latest["certificates"])

        await eventually(swept, what="the retention sweeps")
        await eventually(lambda: _no_mention(community, community.staff, RESIDENT), what="the feed sweep")
        await eventually(lambda: _audit_swept(community), what="the audit trail's sweep")
        chain = await community.query(CHAIN, as_=community.staff)
        old, current = [(await community.query(query, {"id": o}))["organization"] for o in (dissolved, active)]
        contacts = [
            (await community.query("{ myNoticePreferences { phone channels } }", as_=who))["myNoticePreferences"] for who in (li, wang)
        ]
        applications = await community.query(APPLICATIONS)
        figures_after = await _figures(community)
        feed_after = await _feed(community, community.staff)
        left = [
            (where, document["_id"])
            for where, document in _stored_documents(community, excluded=KEPT)
            if _mentions({k: v for k, v in document.items() if k != "outbox"}, NAME, PHONE, ADDRESS)
        ]

    export = exports[-1]
    assert [export[k] for k in ("submittedNeeds", "supportedNeedIds", "ratingsGiven", "organizationApplications")] == [[], [], [], []]
    assert export["residentClaims"] == [
        {"id": ids["own_claim"], "status": "APPROVED", "claimantName": "已匿名", "team": ["已匿名"], "plan": "楼道清扫"}
    ]
    assert export["volunteerEntries"] == [{"realName": "已匿名", "phone": None}]
    assert [record["minutes"] for record in export["attendance"]] == [60]  # her hours stay hers; no name is on them
    assert [certificate["maskedName"] for certificate in export["certificates"]] == [masked(ANONYMISED)]
    assert export["noticeContacts"] == {"phone": None, "channels": []}
    # an active organization keeps its register: her membership of the one she leads stays until it is dissolved
    assert export["memberships"] == [{"organizationName": "夕阳红志愿队", "name": NAME, "phone": PHONE}]
    assert old == {"status": "DISSOLVED", "leader": {"name": "已匿名", "phone": ""}, "members": [{"name": "已匿名", "phone": ""}] * 2}
    assert current["members"] == [{"name": "王阿姨", "phone": "13600004444"}, {"name": NAME, "phone": PHONE}]
    assert contacts == [{"phone": None, "channels": []}, {"phone": "13500005555", "channels": ["INBOX", "SMS"]}]
    assert _mentions(applications, RESIDENT, NAME, PHONE) == []
    assert applications["organizationApplications"][0]["status"] == "SUBMITTED"
    assert figures_after == figures_before
    # what still names her: the registers of the two active organizations she is in (kept while they exist)
    assert sorted(left) == sorted(("renling_orgs.organizations", organization) for organization in (active, ids["organization"]))
    assert _mentions(feed_before, RESIDENT) == [RESIDENT]
    assert [(e["id"], e["cursor"]) for e in feed_after[: len(feed_before)]] == [(e["id"], e["cursor"]) for e in feed_before]
    assert _mentions([e["data"] for e in feed_after[: len(feed_before)]], *HERS) == []
    assert (chain["verifyAuditChain"]["valid"], chain["verifyAuditChain"]["checked"] > 40) == (True, True)


async def _audit_swept(community: Community) -> bool:
    """Every audit entry of the community made more than 30 days ago was swept (its personal values erased)."""
    cutoff = community.clock() - timedelta(days=30)
    entries = community.apps["audit"].state.handlers.store.entries
    return await entries.find_one({"community_id": "c1", "at": {"$lt": cutoff}, "anonymised_at": None}) is None


async def _no_mention(community: Community, token: str, *words: str) -> bool:
    return _mentions(await _feed(community, token), *words) == []
