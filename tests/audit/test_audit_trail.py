"""The audit trail: each change keeps who, when, and each field's old and new value; the chain shows any alteration."""

from __future__ import annotations

import json

from services.common.identity import Role
from services.demo import DISTRICT, HOME, demo_organization_id
from services.demo.places import NEIGHBOUR
from tests.audit.conftest import Demo

ORG = demo_organization_id("夕阳天使志愿服务队")
TRAIL = f'{{ auditTrail(recordId: "{ORG}", first: 500) {{ seq recordType eventType actor at changes {{ field oldValue newValue }} hash previousHash }} }}'
CHECK = f'{{ verifyAuditChain(communityId: "{HOME}") {{ valid checked brokenAtSeq headHash }} }}'


async def rename(demo: Demo) -> str:
    staff = demo.token("staff-zuoanpuyuan", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    payload = await demo.gateway.mutation(
        "updateOrganizationProfile",
        {"organizationId": ORG, "name": "夕阳天使志愿队", "purpose": "PUBLIC_WELFARE", "description": "为高龄老人服务"},
        "organization { name }",
        as_=staff,
    )
    assert payload["errors"] == []
    await demo.settle()
    return staff


async def test_an_edit_keeps_who_when_and_each_fields_old_and_new_value(demo: Demo) -> None:
    staff = await rename(demo)
    resident = demo.token("resident-wang", roles=[Role.RESIDENT], communities=[HOME])
    outsider = demo.token("staff-elsewhere", roles=[Role.COMMUNITY_STAFF], communities=[NEIGHBOUR])

    trail = (await demo.gateway.data(TRAIL, as_=staff))["auditTrail"]
    masked = (await demo.gateway.data(TRAIL, as_=resident))["auditTrail"]
    refused = await demo.gateway.post(TRAIL, as_=outsider)

    edit = trail[-1]
    assert (edit["recordType"], edit["eventType"], edit["actor"]) == ("Organization", "orgs.org.updated.v1", "staff-zuoanpuyuan")
    changes = {c["field"]: (json.loads(c["oldValue"]), json.loads(c["newValue"])) for c in edit["changes"]}
    assert changes["name"] == ("夕阳天使志愿服务队", "夕阳天使志愿队")
    assert changes["description"][1] == "为高龄老人服务"
    assert trail[0]["eventType"] == "orgs.org.registered.v1"
    assert masked[-1]["actor"] == "***"
    assert masked[-1]["changes"] == edit["changes"]  # a name of an organization is not personal
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_status_change_keeps_the_old_and_new_status(demo: Demo) -> None:
    admin = demo.token("admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    need = (
        await demo.gateway.data(
            f'{{ needs(first: 100, filter: {{communityIds: ["{HOME}"], statuses: [SUBMITTED]}}) {{ edges {{ node {{ id }} }} }} }}',
            as_=admin,
        )
    )["needs"]["edges"][0]["node"]["id"]
    assert (await demo.gateway.mutation("acceptNeed", {"needId": need}, "need { status }", as_=admin))["errors"] == []
    await demo.settle()

    trail = (
        await demo.gateway.data(
            f'{{ auditTrail(recordId: "{need}") {{ eventType actor changes {{ field oldValue newValue }} }} }}', as_=admin
        )
    )["auditTrail"]

    assert trail[-1]["eventType"] == "needs.need.accepted.v1"
    assert trail[-1]["actor"] == "admin"
    assert {"field": "status", "oldValue": '"submitted"', "newValue": '"accepted"'} in trail[-1]["changes"]


async def test_changing_the_disclosure_period_is_audited_with_the_old_and_new_period(demo: Demo) -> None:
    admin = demo.token("admin-dongcheng", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    mutation = "mutation($i: SetDisclosurePeriodInput!) { setDisclosurePeriod(input: $i) { days errors { code } } }"
    for days in (30, 90):
        assert (await demo.gateway.data(mutation, {"i": {"districtId": DISTRICT, "days": days}}, as_=admin))["setDisclosurePeriod"][
            "errors"
        ] == []
    await demo.settle()

    trail = (
        await demo.gateway.data(
            f'{{ auditTrail(recordId: "{DISTRICT}") {{ recordType actor changes {{ field oldValue newValue }} }} }}', as_=admin
        )
    )["auditTrail"]

    periods = [entry for entry in trail if entry["recordType"] == "DisclosurePeriod"]
    assert [[(c["field"], c["oldValue"], c["newValue"]) for c in entry["changes"]] for entry in periods] == [
        [("days", None, "30")],
        [("days", "30", "90")],
    ]
    assert periods[-1]["actor"] == "admin-dongcheng"


async def test_the_hash_chain_breaks_if_an_entry_is_altered(demo: Demo) -> None:
    staff = await rename(demo)
    before = (await demo.gateway.data(CHECK, as_=staff))["verifyAuditChain"]
    edit = (await demo.gateway.data(TRAIL, as_=staff))["auditTrail"][-1]
    entries = demo.apps["audit"].state.handlers.store.entries
    forged = [{"field": "name", "old": "夕阳天使志愿服务队", "new": "别的名字"}]

    await entries.update_one({"community_id": HOME, "seq": edit["seq"]}, {"$set": {"changes": forged}})
    after = (await demo.gateway.data(CHECK, as_=staff))["verifyAuditChain"]
    await entries.delete_one({"community_id": HOME, "seq": edit["seq"]})
    removed = (await demo.gateway.data(CHECK, as_=staff))["verifyAuditChain"]

    assert before["valid"] is True
    assert before["checked"] >= edit["seq"] > 10
    assert (after["valid"], after["brokenAtSeq"], after["checked"]) == (False, edit["seq"], edit["seq"] - 1)
    assert (removed["valid"], removed["brokenAtSeq"]) == (False, edit["seq"])
