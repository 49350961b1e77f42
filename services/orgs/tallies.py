"""The ``organization_tallies`` read model: organization counters per community, kept from orgs' own events.

One document per (generation, community) holds the counters (``all`` over all time, ``net`` per
year, ``days_<year>`` per day of each year; see :mod:`services.orgs.domain.tallies`) and, per
organization, the version and facts last applied (``orgs.<id>``). An event's snapshot (version, kind, purpose, founding and
dissolution days) moves the counters by what the organization adds now minus what it added at
the version recorded, in one update guarded by that recorded version — so a redelivered or
older event moves nothing, and events may arrive in any order.

Each district's counters live in a generation named by its pointer document in
``organization_tally_generations``. A rebuild counts the records into a fresh generation
(``building``; events are applied to it as well meanwhile) and switches ``current`` to it in one
conditional update; the old generation's documents are then removed.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.common.domain import Conflict
from services.common.store import Collection, Database, DuplicateKey, Index
from services.common.store.stamped import StampedCollection, stamped
from services.orgs.domain.statistics import OrganizationFacts
from services.orgs.domain.tallies import Move, TallyRow, move_between
from services.orgs.domain.vocabulary import OrganizationKind, Purpose

__all__ = ["OrganizationTallies", "TalliedOrganization", "facts_from_event"]

TALLY_INDEXES = (Index((("community_id", 1), ("generation", 1))),)
MAX_ATTEMPTS = 16


@dataclass(frozen=True, slots=True)
class TalliedOrganization:
    """An organization's facts as of one version of its record."""

    organization_id: str
    version: int
    facts: OrganizationFacts


def facts_from_event(data: Mapping[str, Any]) -> TalliedOrganization | None:
    """The facts an ``orgs.org.*`` event's snapshot carries; None for events from before snapshots had them."""
    try:
        status, since = data["status"], data["status_since"]
        facts = OrganizationFacts(
            str(data["community_id"]),
            OrganizationKind(data["kind"]),
            Purpose(data["purpose"]),
            date.fromisoformat(data["founded_on"]),
            date.fromisoformat(since) if status == "dissolved" else None,
        )
        return TalliedOrganization(str(data["organization_id"]), int(data["version"]), facts)
    except (KeyError, TypeError, ValueError):
        return None


def _facts_document(facts: OrganizationFacts) -> dict[str, Any]:
    return {
        "kind": facts.kind.value,
        "purpose": facts.purpose.value,
        "founded_on": facts.founded_on.isoformat(),
        "dissolved_on": facts.dissolved_on.isoformat() if facts.dissolved_on else None,
    }


def _facts_from_document(community_id: str, document: Mapping[str, Any]) -> OrganizationFacts:
    dissolved = document.get("dissolved_on")
    return OrganizationFacts(
        community_id,
        OrganizationKind(document["kind"]),
        Purpose(document["purpose"]),
        date.fromisoformat(document["founded_on"]),
        date.fromisoformat(dissolved) if dissolved else None,
    )


def _incs(move: Move) -> dict[str, int]:
    incs: dict[str, int] = {}
    for (year, day), counters in move.items():
        for name, amount in counters.items():
            incs[f"all.{name}"] = incs.get(f"all.{name}", 0) + amount
            incs[f"net.{year}.{name}"] = incs.get(f"net.{year}.{name}", 0) + amount
            incs[f"days_{year}.{day}.{name}"] = amount  # a field per year: one year's days read by a plain projection
    return {path: amount for path, amount in incs.items() if amount}


def _check_id(organization_id: str) -> str:
    if "." in organization_id or organization_id.startswith("$"):
        raise ValueError(f"an organization id used as a field name has no '.' nor leading '$': {organization_id!r}")
    return organization_id


class OrganizationTallies:
    """Counters per community, in generations per district."""

    def __init__(self, database: Database) -> None:
        self.collection: StampedCollection = stamped(database, "organization_tallies")
        self.generations: Collection = stamped(database, "organization_tally_generations", stamp="organization_tallies")

    async def create_indexes(self) -> None:
        """Declared indexes (community first)."""
        await self.collection.create_indexes(TALLY_INDEXES)

    async def pointers(self, district_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each district's generation pointer (``current``, and ``building`` during a rebuild)."""
        return {d["_id"]: d for d in await self.generations.find({"_id": {"$in": list(set(district_ids))}})}

    async def apply(self, district_id: str, tallied: TalliedOrganization) -> bool:
        """Apply one organization's state to its district's generations; False if the district has no model yet."""
        pointer = (await self.pointers([district_id])).get(district_id)
        if pointer is None:
            return False
        for generation in {pointer.get("current"), pointer.get("building")} - {None}:
            await self._apply(str(generation), district_id, tallied)
        return True

    async def _apply(self, generation: str, district_id: str, tallied: TalliedOrganization) -> None:
        """Move one generation's community document by the organization's change since the version it holds."""
        community_id, organization_id = tallied.facts.community_id, _check_id(tallied.organization_id)
        document_id, slot = f"{generation}:{community_id}", f"orgs.{organization_id}"
        entry = {"version": tallied.version, **_facts_document(tallied.facts)}
        for _ in range(MAX_ATTEMPTS):
            document = await self.collection.find_one({"_id": document_id}, projection={slot: 1})
            if document is None:
                created = {"_id": document_id, "generation": generation, "district_id": district_id, "community_id": community_id}
                with contextlib.suppress(DuplicateKey):
                    await self.collection.insert_one(created | {"orgs": {}, "all": {}, "net": {}})
                continue
            stored = document.get("orgs", {}).get(organization_id)
            if stored is not None and int(stored["version"]) >= tallied.version:
                return  # this version (or a later one) is counted already
            before = _facts_from_document(community_id, stored) if stored is not None else None
            guard: dict[str, Any] = {"_id": document_id, f"{slot}.version": stored["version"]} if stored else {"_id": document_id}
            if stored is None:
                guard[slot] = {"$exists": False}
            update: dict[str, Any] = {"$set": {slot: entry}}
            incs = _incs(move_between(before, tallied.facts))
            if incs:
                update["$inc"] = incs
            if (await self.collection.update_one(guard, update)).matched:
                return
        raise Conflict("the organization statistics are being changed by others; try again")

    async def rows(self, communities: Sequence[tuple[str, str]], part: str) -> dict[str, TallyRow]:
        """(community id, district id) → that community's counters in its district's current generation (two queries).

        ``part`` says which are read: ``all`` (alive now), ``net`` (per year), or a year ``YYYY``
        (per year, and that year's days).
        """
        pointers = await self.pointers(district for _, district in communities)
        ids = [f"{pointers[d]['current']}:{c}" for c, d in communities if pointers.get(d, {}).get("current")]
        projection = {"community_id": 1, **({part: 1} if part in ("all", "net") else {"net": 1, f"days_{part}": 1})}
        documents = await self.collection.find({"_id": {"$in": ids}}, projection=projection)
        return {str(d["community_id"]): TallyRow.of(d) for d in documents}

    async def rebuild(
        self, district_id: str, community_ids: Sequence[str], read_records: Callable[[], Awaitable[Sequence[TalliedOrganization]]]
    ) -> tuple[str, int]:
        """Count the records into a fresh generation and switch to it; its name and how many organizations it counted.

        The records are read after the new generation is marked ``building``, and events arriving
        meanwhile are applied to it too; whichever of an event and the record is newer wins, by
        version. :class:`Conflict` if another rebuild took over.
        """
        generation = uuid.uuid4().hex
        pointer = (await self.pointers([district_id])).get(district_id)
        previous = pointer.get("current") if pointer is not None else None
        if pointer is None:
            try:
                await self.generations.insert_one({"_id": district_id, "current": None, "building": generation})
            except DuplicateKey as error:
                raise Conflict("the organization statistics are being rebuilt; try again") from error
        else:
            started = await self.generations.update_one({"_id": district_id, "current": previous}, {"$set": {"building": generation}})
            if not started.matched:
                raise Conflict("the organization statistics are being rebuilt; try again")
        organizations = await read_records()
        for tallied in organizations:
            await self._apply(generation, district_id, tallied)
        switched = await self.generations.update_one(
            {"_id": district_id, "current": previous, "building": generation},
            {"$set": {"current": generation}, "$unset": {"building": ""}},
        )
        if not switched.matched:
            raise Conflict("another rebuild of the organization statistics took over; its figures stand")
        if previous is not None:  # only the generation replaced: a rebuild started since may be writing its own
            stale = await self.collection.find(
                {"community_id": {"$in": list(community_ids)}, "generation": previous}, projection={"_id": 1}
            )
            for document in stale:
                await self.collection.delete_one({"_id": document["_id"]})
        return generation, len(organizations)
