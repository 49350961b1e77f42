"""The volunteer register and certificates are audited: who, when, each field's old and new value — the real name,
ID number and phone as personal values, masked for residents and erased (the chain still verifying) on request."""

from __future__ import annotations

import json

from services.people.domain.volunteers import volunteer_record_id
from tests.community import community_platform

LI, NAME, ID_NUMBER = "resident-li", "李秀英", "110101195001011234"
ENTRY = volunteer_record_id(f"c1:{LI}")  # the register entry's id in the trail (its own id holds her account)
TRAIL = (
    "query($id: ID!) { auditTrail(recordId: $id) { eventType recordType actor actorErased changes { field oldValue newValue erased } } }"
)
COMMUNITY = '{ communityAuditTrail(communityId: "c1", first: 500) { eventType recordType actor changes { field newValue } } }'
CHAIN = '{ verifyAuditChain(communityId: "c1") { valid brokenAtSeq } }'


async def test_registering_updating_and_a_certificate_are_audited_and_erased_on_request() -> None:
    async with community_platform() as community:
        li = community.resident(LI)
        entry = {"communityId": "c1", "realName": NAME, "displayName": "小李", "idNumber": ID_NUMBER, "phone": "13800001111"}
        await community.do("registerVolunteer", entry, as_=li)
        await community.do("registerVolunteer", {**entry, "phone": "13900002222"}, as_=li)
        certificate = {"communityId": "c1", "periodFrom": "2026-01-01", "periodTo": "2027-12-31"}
        await community.do("issueVolunteerCertificate", certificate, "certificate { code }", as_=li)
        by_staff = (await community.query(TRAIL, {"id": ENTRY}))["auditTrail"]
        by_resident = (await community.query(TRAIL, {"id": ENTRY}, as_=community.resident("resident-wang")))["auditTrail"]
        issued = [e for e in (await community.query(COMMUNITY))["communityAuditTrail"] if e["eventType"] == "people.certificate.issued.v1"]

        await community.do("requestPersonalDataErasure", {"communityId": "c1"}, "request { id }", as_=li)
        after = (await community.query(TRAIL, {"id": ENTRY}))["auditTrail"]
        chain = (await community.query(CHAIN))["verifyAuditChain"]
        everything = json.dumps(await community.query(COMMUNITY), ensure_ascii=False)

    first, update = ({c["field"]: (c["oldValue"], c["newValue"]) for c in e["changes"]} for e in by_staff)
    assert [(e["eventType"], e["recordType"], e["actor"]) for e in by_staff] == [("people.volunteer.registered.v1", "Volunteer", LI)] * 2
    assert (first["real_name"], first["id_number"]) == ((None, f'"{NAME}"'), (None, f'"{ID_NUMBER}"'))
    assert update == {"phone": ('"13800001111"', '"13900002222"')}
    assert [c["newValue"] for e in by_resident for c in e["changes"] if c["field"] in ("real_name", "id_number", "phone")] == ['"***"'] * 4
    assert [(e["recordType"], e["actor"]) for e in issued] == [("VolunteerCertificate", LI)]
    assert {"field": "real_name", "newValue": f'"{NAME}"'} in issued[0]["changes"]
    assert [(e["actor"], e["actorErased"]) for e in after] == [("已匿名", True)] * 2
    assert [(c["field"], c["newValue"], c["erased"]) for c in after[0]["changes"]] == [
        ("real_name", None, True), ("display_name", None, True), ("id_number", None, True), ("phone", None, True), ("skills", "[]", False)
    ]  # fmt: skip
    assert chain == {"valid": True, "brokenAtSeq": None}
    assert [word for word in (LI, NAME, ID_NUMBER, "13900002222") if word in everything] == []
