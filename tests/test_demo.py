"""The demo data: loaded through the services' commands, idempotent, and true to the article."""

from __future__ import annotations

from datetime import date

from services.claims.app import create_app as create_claims_app
from services.claims.domain import ClaimFigures, figures_in_period
from services.common.bus.memory import InProcessBus
from services.common.graphql.period import PeriodInput, bounds
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.demo import DISTRICT, HOME, demo_organization_id, load_demo
from services.demo.neighbours import NEIGHBOURHOOD
from services.needs.app import create_app as create_needs_app
from services.orgs.app import create_app as create_orgs_app
from tests.support import fast_settings, running, token

YEARS = "organizationsByYear(fromYear: 2008, toYear: 2019) { asOf total }"


async def test_the_demo_shows_the_articles_growth_and_loads_twice_without_duplicates() -> None:
    settings = fast_settings()
    bus, memory = InProcessBus(), MemoryServer()
    orgs_app, needs_app = create_orgs_app(settings, bus=bus, memory=memory), create_needs_app(settings, bus=bus, memory=memory)
    claims_app = create_claims_app(settings, bus=bus, memory=memory)
    admin = token(settings, Role.DISTRICT_ADMIN, districts=[DISTRICT])
    async with running(orgs_app) as orgs, running(needs_app) as needs, running(claims_app) as claims:
        for _ in range(2):
            await load_demo(orgs_app.state.handlers, needs_app.state.handlers, claims_app.state.handlers)
            for app in (orgs_app, needs_app, claims_app):
                await app.state.relay.run_once()
            await bus.drain()
        items = await needs.data(
            f'{{ serviceItems(first: 50, filter: {{communityIds: ["{HOME}"]}}) {{ totalCount edges {{ node {{ id title status }} }} }} }}',
            as_=admin,
        )
        claim_list = await claims.data(
            "{ claims(first: 50) { totalCount edges { node { itemId status disbursed { fundSource } evaluation { grade } } } } }", as_=admin
        )
        meetings = await claims.data("{ meetings { edges { node { status minutes decisions { outcome } } } } }", as_=admin)

        community = (
            await orgs.data(f'{{ community(id: "{HOME}") {{ name {YEARS} organizations(first: 50) {{ totalCount }} }} }}', as_=admin)
        )["community"]
        by_year = {row["asOf"][:4]: row["total"] for row in community["organizationsByYear"]}
        team = await orgs.data(
            "query($id: ID!) { organization(id: $id) { name managementGroup { name } partners { name kind } } }",
            {"id": demo_organization_id("夕阳天使志愿服务队")},
            as_=admin,
        )
        store = claims_app.state.handlers.store
        home_claims = await store.claims_of_communities([HOME])
        categories = await store.item_categories(claim.item_id for claim in home_claims)
        every_claim = figures_in_period(home_claims, 1, None, None, categories)  # a recount over every claim
        grouped = await store.figures_of_communities([HOME])  # the per-day counters
        with_empty = await store.figures_of_communities([HOME, "community-empty"])
        needs_store = needs_app.state.handlers.store
        every_community = [HOME, *(neighbour.community_id for neighbour in NEIGHBOURHOOD), "community-empty"]
        need_figures = [
            (
                await needs_store.need_counts(every_community, span),
                await needs_store.recount_need_counts(every_community, span),
                await needs_store.planned_budgets(every_community, span),
                await needs_store.recount_planned_budgets(every_community, span),
            )
            for span in (bounds(None), bounds(PeriodInput(from_=date(2026, 1, 1))), bounds(PeriodInput(to=date(2025, 12, 31))))
        ]
        district = await needs.data(
            f'{{ _entities(representations: [{{__typename: "District", id: "{DISTRICT}"}}]) {{ ... on District {{ needStats {{ total byCategory {{ category count }} }} }} }} }}',
            as_=admin,
        )
        neighbours = {
            neighbour.community_id: await orgs.data(
                f'{{ community(id: "{neighbour.community_id}") {{ organizations(first: 10) {{ edges {{ node {{ status }} }} }} }} }}',
                as_=admin,
            )
            for neighbour in NEIGHBOURHOOD
        }
        neighbour_needs = await needs.data(
            "query($ids: [ID!]) { needs(first: 100, filter: {communityIds: $ids}) { edges { node { communityId status } } } }",
            {"ids": [neighbour.community_id for neighbour in NEIGHBOURHOOD]},
            as_=admin,
        )
        neighbour_claims = await claims.data(
            "query($ids: [ID!]) { claims(first: 50, filter: {communityIds: $ids}) { totalCount } }",
            {"ids": [neighbour.community_id for neighbour in NEIGHBOURHOOD]},
            as_=admin,
        )
    await bus.close()

    # life beyond 左安浦园: five more communities with organizations in several states, needs, and a claimed item each
    organization_statuses = {
        edge["node"]["status"] for answer in neighbours.values() for edge in answer["community"]["organizations"]["edges"]
    }
    assert {"ACTIVE", "FILED", "DORMANT"} <= organization_statuses
    assert {edge["node"]["communityId"] for edge in neighbour_needs["needs"]["edges"]} == {n.community_id for n in NEIGHBOURHOOD}
    assert {"SUBMITTED", "PLANNED", "REJECTED"} <= {edge["node"]["status"] for edge in neighbour_needs["needs"]["edges"]}
    assert neighbour_claims["claims"]["totalCount"] == len(NEIGHBOURHOOD)
    assert community["name"] == "左安浦园社区"
    assert (by_year["2008"], by_year["2015"], by_year["2019"]) == (4, 11, 17)
    assert community["organizations"]["totalCount"] == 18  # the 17 of its own and the partner 福寿百年 serving it
    assert len(team["organization"]["managementGroup"]) == 3
    assert team["organization"]["partners"] == [{"name": "福寿百年养老服务中心", "kind": "PARTNER_ORGANIZATION"}]
    stats = district["_entities"][0]["needStats"]
    assert stats["total"] == 5 + 9 + sum(len(neighbour.needs) for neighbour in NEIGHBOURHOOD)
    assert len([row for row in stats["byCategory"] if row["count"]]) == 5
    assert len(stats["byCategory"]) == 6  # every category, zero included
    assert items["serviceItems"]["totalCount"] == 9
    assert {edge["node"]["status"] for edge in items["serviceItems"]["edges"]} == {
        "DRAFT",
        "PUBLISHED",
        "CLAIMED",
        "IN_PROGRESS",
        "COMPLETED",
        "EVALUATED",
        "CANCELLED",
    }
    statuses = {edge["node"]["status"] for edge in claim_list["claims"]["edges"]}
    assert statuses == {
        "SUBMITTED",
        "SHORTLISTED",
        "WITHDRAWN",
        "APPROVED",
        "REJECTED",
        "TRAINING",
        "TERMINATED",
        "IMPLEMENTING",
        "COMPLETED",
        "EVALUATED",
    }
    claims_of: dict[str, list[str]] = {}
    for edge in claim_list["claims"]["edges"]:
        claims_of.setdefault(edge["node"]["itemId"], []).append(edge["node"]["status"])
    nodes = [edge["node"] for edge in items["serviceItems"]["edges"]]
    under_way = [node for node in nodes if node["status"] in ("CLAIMED", "IN_PROGRESS", "COMPLETED")]
    carried = {"APPROVED", "TRAINING", "IMPLEMENTING", "COMPLETED", "EVALUATED"}
    assert all(carried & set(claims_of[node["id"]]) for node in under_way), "an item under way has a live claim"
    assert not [node for node in nodes if node["status"] == "HALTED"]
    (parking,) = [node for node in nodes if node["title"] == "东门停车调解"]
    assert parking["status"] == "PUBLISHED"  # its claim was terminated: open for claiming again, and claimed anew
    assert sorted(claims_of[parking["id"]]) == ["SUBMITTED", "TERMINATED"]
    sources = {line["fundSource"] for edge in claim_list["claims"]["edges"] for line in edge["node"]["disbursed"]}
    assert sources == {"PARTY_SERVICE_FUND", "COMMUNITY_WELFARE_FUND"}
    assert {edge["node"]["evaluation"]["grade"] for edge in claim_list["claims"]["edges"] if edge["node"]["evaluation"]} == {"EXCELLENT"}
    assert grouped == every_claim  # the counters kept from the claims' changes = a recount of every claim
    assert every_claim.volunteer_hours > 0
    assert every_claim.evaluated == 1
    assert every_claim.disbursed_fen
    assert set(every_claim.approved_category_fen) - {"other"}  # the items' categories reached the claims service
    assert every_claim.disbursed_category_fen
    assert with_empty == ClaimFigures(**{**vars(every_claim), "communities": 2})
    for counted, recounted, planned, replanned in need_figures:  # the needs counters = a recount of needs and items
        assert counted == recounted
        assert planned == replanned
    assert need_figures[0][0][HOME]["status"]
    assert need_figures[0][2][HOME]
    (meeting,) = [edge["node"] for edge in meetings["meetings"]["edges"]]
    assert meeting["status"] == "CONCLUDED"
    assert {d["outcome"] for d in meeting["decisions"]} == {"APPROVED"}
