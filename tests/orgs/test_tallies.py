"""Organization statistics from counters kept from orgs' events: equal to a recount, idempotent, order-free, rebuildable."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from services.common.store import Database
from services.orgs.domain import OrganizationFacts, OrganizationKind, Purpose, count_as_of, count_per_year
from services.orgs.domain.tallies import TallyRow, count_from_tallies, count_now, counts_per_year_from_tallies
from services.orgs.tallies import OrganizationTallies, TalliedOrganization
from tests.stores import database

__all__ = ["database"]

COMMUNITIES = [f"c{n}" for n in range(7)]
DAYS = [date(2005, 1, 1), date(2008, 12, 31), date(2012, 2, 29), date(2015, 6, 30), date(2019, 12, 31), date(2024, 1, 1)]


def _history(rng: random.Random, n: int) -> tuple[list[TalliedOrganization], list[OrganizationFacts]]:
    """Every version of ``n`` random organizations (registered at v1, later edits, some dissolved), and their final facts."""
    versions: list[TalliedOrganization] = []
    final: list[OrganizationFacts] = []
    for index in range(n):
        founded = date(2003, 1, 1) + timedelta(days=rng.randrange(0, 21 * 365))
        facts = OrganizationFacts(rng.choice(COMMUNITIES), rng.choice(list(OrganizationKind)), rng.choice(list(Purpose)), founded, None)
        version = 1
        versions.append(TalliedOrganization(f"o{index}", version, facts))
        for _ in range(rng.randrange(0, 4)):
            version += rng.randrange(1, 3)
            if rng.random() < 0.4:
                facts = OrganizationFacts(facts.community_id, facts.kind, rng.choice(list(Purpose)), facts.founded_on, None)
            elif facts.dissolved_on is None:
                dissolved = min(founded + timedelta(days=rng.randrange(0, 3_000)), date(2025, 12, 31))
                facts = OrganizationFacts(facts.community_id, facts.kind, facts.purpose, facts.founded_on, dissolved)
            versions.append(TalliedOrganization(f"o{index}", version, facts))
        final.append(facts)
    return versions, final


async def _rows(tallies: OrganizationTallies) -> list[TallyRow]:
    """Every counter of the communities (``all`` and ``net``, and the days of every year asked in DAYS)."""
    places = [(community, "d1") for community in COMMUNITIES]
    rows = {part: await tallies.rows(places, part) for part in ("all", "net", *{f"{day.year:04d}" for day in DAYS})}
    merged = []
    for community in rows["net"]:
        days = {year: row for part, found in rows.items() if part not in ("all", "net") for year, row in found[community].days.items()}
        merged.append(TallyRow(rows["all"][community].all, rows["net"][community].net, days))
    return merged


async def _documents(tallies: OrganizationTallies) -> list[dict[str, Any]]:
    return sorted(await tallies.collection.find({}), key=lambda document: str(document["_id"]))


def _assert_equal_to_recount(rows: list[TallyRow], final: list[OrganizationFacts]) -> None:
    for day in DAYS:
        assert count_from_tallies(rows, day) == count_as_of(final, day), day
    assert count_now(rows, date(2026, 1, 1)) == count_as_of(final, date(2026, 1, 1))
    assert counts_per_year_from_tallies(rows, 2001, 2026) == count_per_year(final, 2001, 2026)


async def test_counters_fed_in_any_order_and_twice_equal_a_recount(database: Database) -> None:
    rng = random.Random(16)
    versions, final = _history(rng, 400)
    tallies = OrganizationTallies(database)
    await tallies.create_indexes()
    assert await tallies.apply("d1", versions[0]) is False  # no model for the district yet: nothing counted
    generation, counted = await tallies.rebuild("d1", COMMUNITIES, _no_records)
    assert counted == 0
    assert (await tallies.pointers(["d1"]))["d1"]["current"] == generation
    shuffled = versions[:]
    rng.shuffle(shuffled)
    for tallied in shuffled:
        assert await tallies.apply("d1", tallied)
    rows = await _rows(tallies)
    _assert_equal_to_recount(rows, final)
    assert count_from_tallies(rows, date(2019, 12, 31)).total > 50

    before = await _documents(tallies)
    for tallied in shuffled[:150]:  # redelivered events (and older versions) move nothing
        await tallies.apply("d1", tallied)
    assert await _documents(tallies) == before


async def test_a_rebuild_counts_the_records_into_a_new_generation_with_equal_figures(database: Database) -> None:
    rng = random.Random(7)
    versions, final = _history(rng, 250)
    tallies = OrganizationTallies(database)
    await tallies.rebuild("d1", COMMUNITIES, _no_records)
    for tallied in versions:
        await tallies.apply("d1", tallied)
    from_events = await _rows(tallies)
    old = (await tallies.pointers(["d1"]))["d1"]["current"]

    latest = {tallied.organization_id: tallied for tallied in versions}

    async def records() -> list[TalliedOrganization]:
        return list(latest.values())

    generation, counted = await tallies.rebuild("d1", COMMUNITIES, records)
    assert generation != old
    assert counted == 250
    pointer = (await tallies.pointers(["d1"]))["d1"]
    assert pointer["current"] == generation
    assert "building" not in pointer
    assert {document["generation"] for document in await tallies.collection.find({})} == {generation}
    rebuilt = await _rows(tallies)
    _assert_equal_to_recount(rebuilt, final)
    for day in DAYS:
        assert count_from_tallies(rebuilt, day) == count_from_tallies(from_events, day)


async def test_events_during_a_rebuild_reach_the_new_generation(database: Database) -> None:
    tallies = OrganizationTallies(database)
    await tallies.rebuild("d1", COMMUNITIES, _no_records)
    founded = OrganizationFacts("c1", OrganizationKind.UNIT, Purpose.PUBLIC_WELFARE, date(2010, 1, 1), None)
    dissolved = OrganizationFacts("c1", OrganizationKind.UNIT, Purpose.PUBLIC_WELFARE, date(2010, 1, 1), date(2012, 1, 1))
    await tallies.apply("d1", TalliedOrganization("o1", 1, founded))

    async def records_then_an_event() -> list[TalliedOrganization]:
        stale = [TalliedOrganization("o1", 1, founded)]  # read before the dissolution was saved
        await tallies.apply("d1", TalliedOrganization("o1", 2, dissolved))  # its event arrives mid-rebuild
        return stale

    await tallies.rebuild("d1", COMMUNITIES, records_then_an_event)
    rows = await _rows(tallies)
    assert count_from_tallies(rows, date(2011, 1, 1)).total == 1
    assert count_from_tallies(rows, date(2013, 1, 1)).total == 0


async def _no_records() -> list[TalliedOrganization]:
    return []
