"""Issue 16: on a generated district, loaded through the commands, every statistics read model says what a full
recount of the records says — needs (per community, street and district rollup, planned budgets), claims and funds
(per community and rollups), organizations (now and per year) — and still does after every event is delivered again."""

from __future__ import annotations

import asyncio
from datetime import date

from starlette.applications import Starlette

from bench.dataset import DISTRICT_ID, District, load_district
from services.claims.app import create_app as create_claims_app
from services.claims.domain import figures_of
from services.common.bus.memory import InProcessBus
from services.common.identity import Principal, Role
from services.common.places import district_scope, street_scope
from services.common.store.memory import MemoryServer
from services.needs.app import create_app as create_needs_app
from services.needs.domain import NeedStatus
from services.needs.store import NeedQuery
from services.orgs.app import create_app as create_orgs_app
from services.orgs.domain import count_as_of, count_per_year
from services.orgs.domain.tallies import count_now, counts_per_year_from_tallies
from tests.support import fast_settings, observe, running

DISTRICT = District(communities=5, needs=150, items=30, organizations=15)
STREET = "street-b00"  # every community of this small district lies in the first street


async def _settled(bus: InProcessBus, *apps: Starlette) -> None:
    """Until every outbox is empty and every consumer has handled what was published."""
    for _ in range(200):
        pending = 0
        for app in apps:
            for collection in getattr(app.state.handlers.store, "outbox_collections", ()):
                pending += await collection.count_documents({"outbox.id": {"$exists": True}})
        await bus.drain()
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outboxes did not empty")


def _added(per_community: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    total: dict[str, dict[str, int]] = {}
    for counts in per_community.values():
        for kind, values in counts.items():
            for key, count in values.items():
                if count:
                    total.setdefault(kind, {})[key] = total.setdefault(kind, {}).get(key, 0) + count
    return total


def _summed(per_community: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for budgets in per_community.values():
        for key, fen in budgets.items():
            total[key] = total.get(key, 0) + fen
    return total


def _nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {kind: {key: count for key, count in values.items() if count} for kind, values in counts.items() if any(values.values())}


async def test_every_district_figure_equals_a_full_recount_of_a_generated_district() -> None:
    settings = fast_settings()
    bus, memory = InProcessBus(), MemoryServer()
    orgs_app, needs_app = create_orgs_app(settings, bus=bus, memory=memory), create_needs_app(settings, bus=bus, memory=memory)
    claims_app = create_claims_app(settings, bus=bus, memory=memory)
    async with running(orgs_app), running(needs_app), running(claims_app):
        seen = await observe(bus, "needs.#", "claims.#", "orgs.#")
        loaded = await load_district(
            DISTRICT, orgs_app.state.handlers, needs_app.state.handlers, claims_app.state.handlers, progress=lambda _: None
        )
        await _settled(bus, needs_app, claims_app, orgs_app)
        communities = DISTRICT.community_ids()
        needs, claims, orgs = needs_app.state.handlers.store, claims_app.state.handlers.store, orgs_app.state.handlers.store

        async def check() -> None:
            recounted = await needs.recount_need_counts(communities)
            assert await needs.need_counts(communities) == recounted
            assert sum(sum(counts["status"].values()) for counts in recounted.values()) == DISTRICT.needs
            planned = await needs.recount_planned_budgets(communities)
            assert _summed(planned)  # the published items plan money: the comparison below is not of zeros
            for scope in (district_scope(DISTRICT_ID), street_scope(STREET)):
                rollup = await needs.tallies.rollup_counts(scope, communities, (None, None))
                assert rollup is not None, scope
                assert _nonzero(rollup[0]) == _added(recounted), scope
                assert rollup[1] == _summed(planned), scope

            every_claim = await claims.claims_of_communities(communities)
            assert len(every_claim) == loaded.claims > 0
            categories = await claims.item_categories({claim.item_id for claim in every_claim})
            recount = figures_of(every_claim, len(communities), categories)
            assert await claims.figures_of_communities(communities) == recount
            for scope in (district_scope(DISTRICT_ID), street_scope(STREET)):
                assert await claims.rollup_figures(scope, communities) == recount, scope

            facts = [tallied.facts for tallied in await orgs.tallied(communities)]
            assert len(facts) == DISTRICT.organizations
            rows = await orgs.tallies.rows([(community, DISTRICT_ID) for community in communities], "all")
            today = date.today()
            assert count_now(rows.values(), today) == count_as_of(facts, today)
            per_year = await orgs.tallies.rows([(community, DISTRICT_ID) for community in communities], "net")
            assert counts_per_year_from_tallies(per_year.values(), 2005, 2026) == count_per_year(facts, 2005, 2026)

        await check()
        # changes after the load, each delivered once its need's or claim's counters were cut: they move the counters
        waiting, _ = await needs.list_needs(NeedQuery(communities, statuses=[NeedStatus.SUBMITTED]), first=12, after=None)
        for number, need in enumerate(waiting):
            staff = Principal("recount-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({need.community_id}))
            if number % 2:
                await needs_app.state.handlers.reject_need(staff, need.id, "不属于社区公益事项")
            else:
                await needs_app.state.handlers.start_review(staff, need.id)
        for claim in (await claims.claims_of_communities(communities))[::2]:
            staff = Principal("recount-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({claim.community_id}))
            await claims_app.state.handlers.shortlist_claim(staff, claim.id)
        await _settled(bus, needs_app, claims_app, orgs_app)
        await check()
        for event in list(seen):  # every event of the load delivered a second time: no figure moves
            await bus.publish(event)
        await _settled(bus, needs_app, claims_app, orgs_app)
        await check()
    await bus.close()
