"""公示 without login: an anonymous caller reads a community's disclosure through the gateway, and nothing personal is in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.common.identity import Role
from services.demo import DISTRICT, HOME, demo_organization_id
from tests.disclosure.conftest import Demo

ORG = demo_organization_id("夕阳天使志愿服务队")
TYPE = "query($name: String!) { __type(name: $name) { fields { name type { kind name ofType { kind name ofType { kind name ofType { name kind } } } } } } }"
PERSONAL = """{
  organizations(first: 100) { edges { node { leader { name phone } members { name phone } } } }
  needs(first: 100) { edges { node { submitterId } } }
  claims(first: 100) { edges { node { claimant { kind name } proposal { team } history { actor } } } }
}"""


async def every_field(demo: Demo, type_name: str) -> str:
    """A selection of every field of ``type_name`` and of every object type under it: no path is left out."""
    fields = (await demo.gateway.data(TYPE, {"name": type_name}))["__type"]["fields"]
    parts = []
    for field in fields:
        kind = field["type"]
        while kind["kind"] in ("NON_NULL", "LIST"):
            kind = kind["ofType"]
        parts.append(f"{field['name']} {{ {await every_field(demo, kind['name'])} }}" if kind["kind"] == "OBJECT" else field["name"])
    return " ".join(parts)


def strings(value: Any) -> set[str]:
    """Every string in a JSON value."""
    if isinstance(value, dict):
        return {s for v in value.values() for s in strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings(v)}
    return {value} if isinstance(value, str) and value else set()


async def personal_data(demo: Demo) -> set[str]:
    """Names, phones and account ids of people in the demo, as the district's administrator sees them."""
    admin = demo.token("admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    data = await demo.gateway.data(PERSONAL, as_=admin)
    found = strings(data["organizations"]) | strings(data["needs"])
    for edge in data["claims"]["edges"]:
        node = edge["node"]
        found |= strings(node["proposal"]["team"]) | strings(node["history"])
        if node["claimant"]["kind"] == "RESIDENT":
            found.add(node["claimant"]["name"])
    return found


async def test_an_anonymous_caller_reads_a_communitys_notice_and_sees_no_personal_field_by_any_path(demo: Demo) -> None:
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    added = await demo.gateway.mutation(
        "addOrganizationMember",
        {"organizationId": ORG, "member": {"name": "赵小梅", "phone": "13800138000"}},
        "organization { id }",
        as_=staff,
    )
    assert added["errors"] == []
    await demo.settle()
    personal = await personal_data(demo)
    selection = await every_field(demo, "PublicNotice")
    rollup = await every_field(demo, "PublicRollup")

    body = await demo.gateway.post(f'{{ publicNotice(communityId: "{HOME}") {{ {selection} }} }}')
    district = await demo.gateway.post(f'{{ publicNoticeRollup(districtId: "{DISTRICT}") {{ {rollup} }} }}')

    assert "errors" not in body, body
    assert "errors" not in district, district
    notice = body["data"]["publicNotice"]
    assert notice["communityName"] == "左安浦园社区"
    assert len(personal) > 20
    assert {"赵小梅", "13800138000"} <= personal
    assert strings(notice) & personal == set()  # … and none of them is in the notice
    assert strings(district) & personal == set()
    assert {claim["claimant"] for item in notice["items"] for claim in item["claims"]} >= {"夕阳天使志愿服务队"}
    assert notice["meetings"][0]["decisions"]
    assert notice["meetings"][0]["minutes"]
    disbursed = sum(d["amountFen"] for item in notice["items"] for claim in item["claims"] for d in claim["disbursements"])
    assert disbursed > 0
    assert disbursed == sum(line["disbursedFen"] for line in notice["totals"])
    home = next(line for line in district["data"]["publicNoticeRollup"]["communities"] if line["communityId"] == HOME)
    assert home["totals"] == notice["totals"]


async def test_the_notice_totals_equal_the_claims_services_own_figures(demo: Demo) -> None:
    admin = demo.token("admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    claims = await demo.gateway.data(
        "{ claims(first: 100) { edges { node { id status disbursed { fundSource amountFen } } } } }", as_=admin
    )
    expected: dict[str, int] = {}
    for edge in claims["claims"]["edges"]:
        for line in edge["node"]["disbursed"]:
            expected[line["fundSource"]] = expected.get(line["fundSource"], 0) + line["amountFen"]

    notice = (await demo.gateway.data(f'{{ publicNotice(communityId: "{HOME}") {{ totals {{ fundSource disbursedFen }} }} }}'))[
        "publicNotice"
    ]

    assert {line["fundSource"]: line["disbursedFen"] for line in notice["totals"] if line["disbursedFen"]} == expected


async def test_a_bad_token_is_refused_even_on_the_public_notice(demo: Demo) -> None:
    body = await demo.gateway.post(f'{{ publicNotice(communityId: "{HOME}") {{ communityName }} }}', as_="not.a.token")

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_closed_items_leave_the_notice_after_the_period_the_district_sets(demo: Demo) -> None:
    admin = demo.token("admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    outsider = demo.token("admin-elsewhere", roles=[Role.DISTRICT_ADMIN], districts=["district-elsewhere"])
    query = f'{{ publicNotice(communityId: "{HOME}") {{ periodDays items {{ title status closedAt }} }} }}'
    before = (await demo.gateway.data(query))["publicNotice"]
    mutation = "mutation($i: SetDisclosurePeriodInput!) { setDisclosurePeriod(input: $i) { days errors { code field } } }"

    refused = await demo.gateway.data(mutation, {"i": {"districtId": DISTRICT, "days": 1}}, as_=outsider)
    invalid = await demo.gateway.data(mutation, {"i": {"districtId": DISTRICT, "days": 0}}, as_=admin)
    set_ = await demo.gateway.data(mutation, {"i": {"districtId": DISTRICT, "days": 1}}, as_=admin)
    demo.apps["disclosure"].state.handlers._clock = lambda: datetime.now(UTC) + timedelta(days=2)
    after = (await demo.gateway.data(query))["publicNotice"]

    assert refused["setDisclosurePeriod"] == {"days": None, "errors": [{"code": "FORBIDDEN", "field": "districtId"}]}
    assert invalid["setDisclosurePeriod"]["errors"] == [{"code": "INVALID_INPUT", "field": "days"}]
    assert set_["setDisclosurePeriod"] == {"days": 1, "errors": []}
    assert before["periodDays"] == 365
    assert after["periodDays"] == 1
    closed = [item["title"] for item in before["items"] if item["closedAt"]]
    assert closed
    assert not any(item["closedAt"] for item in after["items"])
    assert len(after["items"]) == len(before["items"]) - len(closed)
