"""The benchmarks' generated district (bench/dataset.py) loads through the commands and is what it says."""

from __future__ import annotations

from bench.dataset import District, load_district
from services.claims.app import create_app as create_claims_app
from services.common.bus.memory import InProcessBus
from services.common.store.memory import MemoryServer
from services.needs.app import create_app as create_needs_app
from services.needs.domain import ItemStatus
from services.needs.store import ItemQuery, NeedQuery
from services.orgs.app import create_app as create_orgs_app
from tests.support import fast_settings, running


async def test_a_small_generated_district_has_the_sizes_asked_for() -> None:
    settings = fast_settings()
    bus, memory = InProcessBus(), MemoryServer()
    orgs_app, needs_app = create_orgs_app(settings, bus=bus, memory=memory), create_needs_app(settings, bus=bus, memory=memory)
    claims_app = create_claims_app(settings, bus=bus, memory=memory)
    district = District(communities=3, needs=30, items=6, organizations=6)
    async with running(orgs_app), running(needs_app), running(claims_app):
        loaded = await load_district(
            district, orgs_app.state.handlers, needs_app.state.handlers, claims_app.state.handlers, progress=lambda _: None
        )
        communities = district.community_ids()
        needs_store = needs_app.state.handlers.store
        needs = await needs_store.count_needs(NeedQuery(communities))
        items = await needs_store.count_items(ItemQuery(communities))
        published = await needs_store.count_items(ItemQuery(communities, statuses=[ItemStatus.PUBLISHED]))
        claims = await claims_app.state.handlers.store.claims_of_communities(communities)
    await bus.close()

    assert needs == 30
    assert items == 6
    assert published == 3  # every other item of each community
    assert sum(len(ids) for ids in loaded.organization_ids.values()) == 6
    assert len(claims) == loaded.claims == 3
    assert {claim.community_id for claim in claims} == set(communities)
