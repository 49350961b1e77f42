"""Period reports: figures equal hand counts over records inside and outside the period, in CSV and in Excel.

The platform runs on one clock the test moves: February (before the period), March (the
period, 2026-03-01..2026-03-31) and April (after it). Two communities of one street; the
report for community c1 must not count c2, the street's report counts both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from tests.support import GraphQLClient, fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES

PERIOD = "from=2026-03-01&to=2026-03-31"


class Clock:
    """The platform's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 2, 15, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    settings: Settings
    clock: Clock
    apps: dict[str, Any]
    bus: InProcessBus
    gateway: GraphQLClient
    disclosure: GraphQLClient

    def token(self, subject: str, role: Role, *, communities: tuple[str, ...] = ("c1", "c2"), organization: str | None = None) -> str:
        districts = ["d1"] if role is Role.DISTRICT_ADMIN else []
        return mint_token(
            self.settings,
            subject=subject,
            roles=[role],
            communities=[] if districts else communities,
            districts=districts,
            organization=organization,
        )

    async def settle(self) -> None:
        for _ in range(10):
            published = sum([await app.state.relay.run_once() for app in self.apps.values()])
            await self.bus.drain()
            if published == 0:
                return

    async def do(self, name: str, input: dict[str, Any], selection: str, *, as_: str) -> dict[str, Any]:
        payload = await self.gateway.mutation(name, input, selection, as_=as_)
        assert payload["errors"] == [], (name, payload["errors"])
        await self.settle()
        return payload


@pytest.fixture
async def world() -> AsyncIterator[World]:
    settings, clock = fast_settings(), Clock()
    bus, memory = InProcessBus(), MemoryServer()
    apps = {name: factory(settings, bus=bus, memory=memory, clock=clock) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        services = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        gateway = await stack.enter_async_context(running_gateway(apps, settings))
        yield World(settings, clock, apps, bus, gateway, services["disclosure"])
    await bus.close()


async def scenario(world: World) -> None:
    """February: places, organizations, one need. March: needs, an item, its claim, hours, a payment. April: more of both."""
    admin, staff = world.token("admin", Role.DISTRICT_ADMIN), world.token("staff", Role.COMMUNITY_STAFF)
    resident = world.token("resident", Role.RESIDENT)
    await world.do("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }", as_=admin)
    await world.do("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }", as_=admin)
    for community in ("c1", "c2"):
        await world.do("registerCommunity", {"id": community, "streetId": "s1", "name": f"社区{community}"}, "community { id }", as_=admin)
    orgs = {}
    for community, name, founded in (
        ("c1", "夕阳天使志愿服务队", "2015-05-01"),
        ("c1", "掌上明珠摄影队", "2020-01-01"),
        ("c2", "太极拳队", "2018-03-01"),
    ):
        input = {"communityId": community, "kind": "SOCIAL_ORGANIZATION", "name": name, "purpose": "PUBLIC_WELFARE",
                 "foundedOn": founded, "status": "ACTIVE", "leader": {"name": "某队长"}}  # fmt: skip
        orgs[name] = (await world.do("registerOrganization", input, "organization { id }", as_=staff))["organization"]["id"]
    await world.do("submitNeed", {"communityId": "c1", "title": "二月的需求", "category": "BLUE_GUARD"}, "need { id }", as_=resident)

    world.clock.now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    needs = []
    for community, category in (("c1", "GREEN_GUARDIANS"), ("c1", "BLUE_GUARD"), ("c1", "BLUE_GUARD"), ("c2", "RED_CLASSROOM")):
        input = {"communityId": community, "title": f"三月的需求 {category}", "category": category}
        needs.append((await world.do("submitNeed", input, "need { id }", as_=resident))["need"]["id"])
    await world.do("acceptNeed", {"needId": needs[0]}, "need { id }", as_=staff)
    window = {"opensAt": "2026-03-01T00:00:00+08:00", "closesAt": "2026-06-15T00:00:00+08:00"}
    item_input = {
        "communityId": "c1", "needIds": [needs[0]], "kind": "PROJECT", "category": "GREEN_GUARDIANS", "title": "楼道绿化",
        "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 100_000}, {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 50_000}],
        "schedule": {"startsOn": "2026-03-15", "endsOn": "2026-06-30"}, "claimWindow": window, "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION"],
    }  # fmt: skip
    item = (await world.do("createServiceItem", item_input, "serviceItem { id }", as_=staff))["serviceItem"]["id"]
    await world.do("publishServiceItem", {"itemId": item}, "serviceItem { id }", as_=staff)
    leader = world.token("leader", Role.ORG_LEADER, communities=("c1",), organization=orgs["夕阳天使志愿服务队"])
    proposal = {"plan": "每周绿化", "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 80_000}]}
    claim_input = {"itemId": item, "organizationId": orgs["夕阳天使志愿服务队"], "proposal": proposal}
    claim = (await world.do("submitClaim", claim_input, "claim { id }", as_=leader))["claim"]["id"]
    meeting_input = {"communityId": "c1", "scheduledAt": "2026-03-10T19:00:00+08:00", "venue": "活动室", "agenda": [item]}
    meeting = (await world.do("scheduleMeeting", meeting_input, "meeting { id }", as_=staff))["meeting"]["id"]
    await world.do(
        "decideClaim", {"meetingId": meeting, "claimId": claim, "outcome": "APPROVED", "reason": "好"}, "claim { id }", as_=staff
    )
    await world.do("recordTraining", {"claimId": claim, "on": "2026-03-10", "topic": "安全"}, "claim { id }", as_=staff)
    await world.do("startImplementation", {"claimId": claim}, "claim { id }", as_=leader)
    await world.do(
        "reportProgress", {"claimId": claim, "percent": 40, "narrative": "种了花", "volunteerHours": 12.5}, "claim { id }", as_=leader
    )
    line = {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 30_000}
    await world.do("recordDisbursement", {"claimId": claim, "line": line, "on": "2026-03-10"}, "claim { id }", as_=staff)

    world.clock.now = datetime(2026, 4, 5, 2, 0, tzinfo=UTC)
    await world.do(
        "reportProgress", {"claimId": claim, "percent": 60, "narrative": "又种了花", "volunteerHours": 5}, "claim { id }", as_=leader
    )
    line = {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 20_000}
    await world.do("recordDisbursement", {"claimId": claim, "line": line, "on": "2026-04-05"}, "claim { id }", as_=staff)
    await world.do("submitNeed", {"communityId": "c1", "title": "四月的需求", "category": "BLUE_GUARD"}, "need { id }", as_=resident)
    world.clock.now += timedelta(hours=1)


def csv_tables(text: str) -> tuple[list[list[str]], dict[str, list[list[str]]]]:
    """The heading rows and each table's rows (its column names first) of a report CSV."""
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    heading: list[list[str]] = []
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if row[:1] == ["table"]:
            current = tables.setdefault(row[1], [])
        elif row and current is not None:
            current.append(row)
        elif row:
            heading.append(row)
    return heading, tables


# Hand counts for community c1 in March 2026 (see the scenario): two of the three needs of c1
# were raised in March by category; the item was drafted, published and filled (CLAIMED), then
# started (IN_PROGRESS); the claim was submitted, approved, trained and started; 12.5 hours;
# the item budgeted 1000 + 500 yuan, the claim approved 800 yuan and 300 yuan was paid in March.
C1_MARCH = {
    "needs": [["category", "raised", "resolved"], ["BLUE_GUARD", "2", "0"], ["GREEN_GUARDIANS", "1", "0"]],
    "items": [["state", "items"], ["CLAIMED", "1"], ["DRAFT", "1"], ["IN_PROGRESS", "1"], ["PUBLISHED", "1"]],
    "claims": [["state", "claims"], ["APPROVED", "1"], ["IMPLEMENTING", "1"], ["SUBMITTED", "1"], ["TRAINING", "1"]],
    "volunteer_hours": [["category", "hours"], ["GREEN_GUARDIANS", "12.5"]],
    "funds": [
        ["fund_source", "category", "budgeted_fen", "approved_fen", "disbursed_fen"],
        ["COMMUNITY_WELFARE_FUND", "GREEN_GUARDIANS", "50000", "0", "0"],
        ["PARTY_SERVICE_FUND", "GREEN_GUARDIANS", "100000", "80000", "30000"],
    ],
    "organizations": [["year_founded", "stage", "organizations"], ["2015", "NEEDS_ASSESSMENT", "1"], ["2020", "NEEDS_ASSESSMENT", "1"]],
}


@pytest.mark.parametrize("page", [500, 2], ids=["one page", "pages of two"])
async def test_a_period_report_equals_hand_counts_in_csv_and_in_excel(world: World, page: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.disclosure.store.PAGE", page)  # the facts are read a page at a time, whatever the page size
    await scenario(world)
    staff = world.token("staff", Role.COMMUNITY_STAFF)
    headers = {"authorization": f"Bearer {staff}"}

    answer = await world.disclosure.http.get(f"/reports?community=c1&{PERIOD}&format=csv", headers=headers)
    workbook_answer = await world.disclosure.http.get(f"/reports?community=c1&{PERIOD}&format=xlsx", headers=headers)

    assert answer.status_code == 200, answer.text
    assert "2026-03-01" in answer.headers["content-disposition"]
    heading, tables = csv_tables(answer.text)
    assert heading == [["report", "community", "c1"], ["period", "2026-03-01", "2026-03-31"], ["communities", "1"]]
    for name, expected in C1_MARCH.items():
        assert tables[name] == expected, name
    (ledger_columns, *ledger) = tables["disbursements"]
    assert ledger_columns[0] == "date"
    assert [(row[0], row[4], row[5], row[6]) for row in ledger] == [("2026-03-10", "夕阳天使志愿服务队", "PARTY_SERVICE_FUND", "30000")]

    assert workbook_answer.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_answer.content), read_only=True)
    assert workbook.sheetnames == ["report", *tables]
    sheets = {name: [[str(cell) for cell in row] for row in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames}
    assert sheets["report"][1] == ["period", "2026-03-01", "2026-03-31"]
    for name, expected in C1_MARCH.items():
        assert sheets[name] == expected, name
    assert sheets["disbursements"][1][6] == "30000"


async def test_the_streets_report_counts_both_communities_and_outsiders_cannot_read_it(world: World) -> None:
    await scenario(world)
    staff_c1 = world.token("staff-c1", Role.COMMUNITY_STAFF, communities=("c1",))
    admin = world.token("admin", Role.DISTRICT_ADMIN)
    resident = world.token("resident", Role.RESIDENT)

    street = await world.disclosure.http.get(f"/reports?street=s1&{PERIOD}", headers={"authorization": f"Bearer {admin}"})
    only_c1 = await world.disclosure.http.get(f"/reports?street=s1&{PERIOD}", headers={"authorization": f"Bearer {staff_c1}"})
    as_resident = await world.disclosure.http.get(f"/reports?community=c1&{PERIOD}", headers={"authorization": f"Bearer {resident}"})
    anonymous = await world.disclosure.http.get(f"/reports?community=c1&{PERIOD}")
    backwards = await world.disclosure.http.get(
        "/reports?community=c1&from=2026-03-31&to=2026-03-01", headers={"authorization": f"Bearer {admin}"}
    )
    april = await world.disclosure.http.get(
        "/reports?district=d1&from=2026-04-01&to=2026-04-30", headers={"authorization": f"Bearer {admin}"}
    )

    _, tables = csv_tables(street.text)
    assert tables["needs"] == [
        ["category", "raised", "resolved"],
        ["BLUE_GUARD", "2", "0"],
        ["GREEN_GUARDIANS", "1", "0"],
        ["RED_CLASSROOM", "1", "0"],
    ]
    assert tables["organizations"][1:] == [
        ["2015", "NEEDS_ASSESSMENT", "1"],
        ["2018", "NEEDS_ASSESSMENT", "1"],
        ["2020", "NEEDS_ASSESSMENT", "1"],
    ]
    assert (only_c1.status_code, only_c1.json()["errors"][0]["extensions"]["code"]) == (403, "FORBIDDEN")
    assert (as_resident.status_code, anonymous.status_code) == (403, 401)
    assert (backwards.status_code, backwards.json()["errors"][0]["extensions"]["field"]) == (400, "to")
    _, in_april = csv_tables(april.text)
    assert in_april["volunteer_hours"][1:] == [["GREEN_GUARDIANS", "5"]]
    assert in_april["funds"][1:] == [["PARTY_SERVICE_FUND", "GREEN_GUARDIANS", "0", "0", "20000"]]
    assert in_april["needs"][1:] == [["BLUE_GUARD", "1", "0"]]


def workbook_rows(content: bytes) -> dict[str, list[list[str]]]:
    """Every sheet of an Excel report, read back with openpyxl, its cells as text."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {name: [[str(cell) for cell in row] for row in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames}


async def test_a_report_downloads_through_the_gateway_as_from_the_service_and_the_service_still_decides(world: World) -> None:
    await scenario(world)
    staff, admin = world.token("staff", Role.COMMUNITY_STAFF), world.token("admin", Role.DISTRICT_ADMIN)
    resident = world.token("resident", Role.RESIDENT)
    via, direct = world.gateway.http, world.disclosure.http

    answers = {}
    for form in ("csv", "xlsx"):
        url = f"/reports?district=d1&{PERIOD}&format={form}"
        answers[form] = (
            await via.get(url, headers={"authorization": f"Bearer {admin}"}),
            await direct.get(url, headers={"authorization": f"Bearer {admin}"}),
        )
    community = await via.get(f"/reports?community=c1&{PERIOD}", headers={"authorization": f"Bearer {staff}"})
    as_resident = await via.get(f"/reports?community=c1&{PERIOD}", headers={"authorization": f"Bearer {resident}"})
    anonymous = await via.get(f"/reports?community=c1&{PERIOD}")
    forged = await via.get(f"/reports?community=c1&{PERIOD}", headers={"authorization": f"Bearer {staff[:-4]}AAAA"})
    bad_format = await via.get(f"/reports?community=c1&{PERIOD}&format=pdf", headers={"authorization": f"Bearer {staff}"})
    too_long = await via.get(f"/reports?community=c1&{PERIOD}&pad={'x' * 5000}", headers={"authorization": f"Bearer {staff}"})

    (gateway_csv, service_csv), (gateway_xlsx, service_xlsx) = answers["csv"], answers["xlsx"]
    assert (gateway_csv.status_code, gateway_csv.text) == (200, service_csv.text)
    assert gateway_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert gateway_csv.headers["content-disposition"] == service_csv.headers["content-disposition"]
    assert "d1-2026-03-01-2026-03-31.csv" in gateway_csv.headers["content-disposition"]
    assert gateway_xlsx.status_code == 200
    assert gateway_xlsx.headers["content-type"] == service_xlsx.headers["content-type"]
    through, from_service = workbook_rows(gateway_xlsx.content), workbook_rows(service_xlsx.content)
    assert through == from_service
    assert through["report"][0] == ["report", "district", "d1"]
    assert csv_tables(community.text)[1]["needs"] == C1_MARCH["needs"]
    codes = {
        name: (answer.status_code, answer.headers["content-type"], answer.json()["errors"][0]["extensions"]["code"])
        for name, answer in (
            ("resident", as_resident),
            ("anonymous", anonymous),
            ("forged", forged),
            ("format", bad_format),
            ("long", too_long),
        )
    }
    assert codes == {
        "resident": (403, "application/json", "FORBIDDEN"),  # decided by the disclosure service
        "anonymous": (401, "application/json", "UNAUTHENTICATED"),  # by the service too: no token to check at the edge
        "forged": (401, "application/json", "UNAUTHENTICATED"),  # refused at the edge
        "format": (400, "application/json", "BAD_USER_INPUT"),
        "long": (414, "application/json", "URI_TOO_LONG"),
    }
