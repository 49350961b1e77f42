"""The claims service's MongoDB store: claims, meetings, and the item and organization read models.

"One open claim per claimant per item" is a unique sparse index on ``open_key``, present only
while a claim is open; slots and budget are reserved on the item board with one conditional
update each, so two racing approvals can never both take the last slot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.claims.documents import (
    board_from_document,
    card_from_document,
    claim_fields,
    claim_from_document,
    meeting_fields,
    meeting_from_document,
)
from services.claims.domain import (
    Claim,
    ClaimFigures,
    ClaimStatus,
    IntentionMeeting,
    ItemBoard,
    OrganizationCard,
)
from services.claims.personal import ClaimsPersonalData
from services.claims.tallies import ClaimTallies
from services.common.events import Event
from services.common.outbox import OUTBOX_INDEX
from services.common.pagination import Page, paginate
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED, ANONYMISED_AT
from services.common.retention import Expired, RetentionReadModel
from services.common.store import Collection, Database, DuplicateKey, Index, insert_aggregate, save_aggregate
from services.common.store.aggregate import HANDLED_EVENTS, VERSION
from services.common.store.stamped import stamped
from services.common.store.statistics import versioned

__all__ = ["ClaimQuery", "ClaimsStore", "MeetingQuery"]

CLAIM_INDEXES = (
    Index((("open_key", 1),), unique=True, sparse=True),
    Index((("community_id", 1), ("status", 1), ("submitted_at", -1))),
    Index((("item_id", 1), ("status", 1))),
    Index((("organization_id", 1), ("submitted_at", -1))),
    Index((("community_id", 1), ("claimant.subject", 1), ("submitted_at", -1))),
    Index((("community_id", 1), ("ratings.resident", 1), ("submitted_at", -1))),
    Index((("community_id", 1), ("disbursements.id", 1))),
    OUTBOX_INDEX,
)
MEETING_INDEXES = (Index((("community_id", 1), ("scheduled_at", -1))), OUTBOX_INDEX)
BOARD_INDEXES = (Index((("community_id", 1), ("status", 1))),)


@dataclass(frozen=True, slots=True)
class ClaimQuery:
    """Filters of a claims list; ``community_ids`` already limited to what the caller may see."""

    community_ids: Sequence[str] | None = None
    item_ids: Sequence[str] = ()
    organization_ids: Sequence[str] = ()
    statuses: Sequence[ClaimStatus] = ()
    claimant_subject: str | None = None
    rated_by: str | None = None


@dataclass(frozen=True, slots=True)
class MeetingQuery:
    """Filters of a meetings list."""

    community_ids: Sequence[str]


class ClaimsStore:
    """Collections of the claims service and the operations its handlers need."""

    def __init__(self, database: Database, *, retention_days: int = 0) -> None:
        self.claims: Collection = stamped(database, "claims")
        self.meetings: Collection = database.collection("meetings")
        self.boards: Collection = stamped(database, "items")
        self.cards: Collection = database.collection("organizations")
        self.places = PlacesReadModel(stamped(database, "communities"))
        self.tallies = ClaimTallies(database, self.claims, self.boards, scopes=self.places.rollup_scopes)
        self.retention = RetentionReadModel(database.collection("retention"), self.places, default_days=retention_days)
        self.personal = ClaimsPersonalData(self.claims, self.cards)

    @property
    def outbox_collections(self) -> tuple[Collection, ...]:
        """Collections whose documents carry an outbox."""
        return (self.claims, self.meetings)

    async def create_indexes(self) -> None:
        """Declared indexes, created at start-up."""
        await self.claims.create_indexes(CLAIM_INDEXES)
        await self.personal.create_indexes()
        await self.meetings.create_indexes(MEETING_INDEXES)
        await self.boards.create_indexes(BOARD_INDEXES)
        await self.tallies.create_indexes()
        await self.places.create_indexes()

    async def insert_claim(self, claim: Claim, events: Sequence[Event]) -> None:
        """A new claim; DuplicateKey if the claimant already has an open claim on the item."""
        fields = claim_fields(claim)
        if fields["open_key"] is None:
            del fields["open_key"]
        await insert_aggregate(self.claims, {"_id": claim.id, **fields}, versioned(events, 1))

    async def save_claim(self, claim: Claim, events: Sequence[Event] = (), *, handled_event: str | None = None) -> None:
        """Save a changed claim if nobody changed it meanwhile (raises VersionConflict); its events carry the new
        version (the statistics counters follow the events: :class:`~services.claims.tallies.ClaimTallies`)."""
        fields = claim_fields(claim)
        unset = ["open_key"] if fields["open_key"] is None else []
        if unset:
            del fields["open_key"]
        await save_aggregate(
            self.claims,
            claim.id,
            expected_version=claim.version,
            changes=fields,
            events=versioned(events, claim.version + 1),
            handled_event=handled_event,
            unset=unset,
        )

    async def claim(self, claim_id: str) -> tuple[Claim, frozenset[str]] | None:
        """A claim and the events it has handled."""
        document = await self.claims.find_one({"_id": claim_id})
        return None if document is None else (claim_from_document(document), frozenset(document.get(HANDLED_EVENTS, ())))

    async def anonymise_claimant(self, person: str, *, at: datetime) -> int:
        """Erase a resident from the claims she made as an individual: her name and her team's names (the team's size,
        the plan, the money and every figure stay); how many changed. Idempotent."""
        return await self._anonymise({"claimant.subject": person}, at=at)

    async def anonymise_expired(self, scope: Expired, *, at: datetime) -> int:
        """The retention sweep: residents' claims of the scope submitted before its cutoff lose her and her team's names."""
        return await self._anonymise({**scope.filter(), "submitted_at": {"$lt": scope.cutoff}}, at=at)

    async def _anonymise(self, which: dict[str, Any], *, at: datetime) -> int:
        changed = 0
        mine = {**which, "claimant.organization_id": None, ANONYMISED_AT: None}
        for document in await self.claims.find(mine, projection={"_id": 1, "proposal.team": 1}):
            team = [ANONYMISED] * len(document.get("proposal", {}).get("team", []))
            outcome = await self.claims.update_one(
                {"_id": document["_id"], **mine},
                {"$set": {"claimant.name": ANONYMISED, "proposal.team": team, ANONYMISED_AT: at}, "$inc": {VERSION: 1}},
            )
            changed += outcome.modified
        return changed

    async def claim_id_of_disbursement(self, community_id: str, disbursement_id: str) -> str | None:
        """The claim a disbursement was paid under, if any."""
        document = await self.claims.find_one({"community_id": community_id, "disbursements.id": disbursement_id}, projection={"_id": 1})
        return None if document is None else str(document["_id"])

    async def claims_by_ids(self, ids: Iterable[str]) -> dict[str, Claim]:
        """Several claims in one query."""
        return {d["_id"]: claim_from_document(d) for d in await self.claims.find({"_id": {"$in": list(ids)}})}

    async def claims_of_items(self, item_ids: Sequence[str]) -> list[Claim]:
        """Every claim of these items, oldest first."""
        return [
            claim_from_document(d)
            for d in await self.claims.find({"item_id": {"$in": list(item_ids)}}, sort=[("submitted_at", 1), ("_id", 1)])
        ]

    async def list_claims(self, query: ClaimQuery, *, first: int, after: str | None) -> tuple[list[Claim], Page]:
        """One page of claims, newest first."""
        page = await paginate(self.claims, _claim_filter(query), [("submitted_at", -1)], first=first, after=after)
        return [claim_from_document(d) for d in page.documents], page

    async def count_claims(self, query: ClaimQuery) -> int:
        """How many claims match."""
        return await self.claims.count_documents(_claim_filter(query))

    async def claims_matching(self, query: ClaimQuery) -> list[Claim]:
        """Every claim a query selects (statistics over an organization's claims)."""
        return [claim_from_document(d) for d in await self.claims.find(_claim_filter(query))]

    async def claims_of_communities(self, community_ids: Sequence[str]) -> list[Claim]:
        """Every claim of these communities (a full recount; statistics come from :meth:`figures_of_communities`)."""
        return [claim_from_document(d) for d in await self.claims.find({"community_id": {"$in": list(community_ids)}})]

    async def item_categories(self, item_ids: Iterable[str]) -> dict[str, str]:
        """Item id → category as published, for a recount."""
        return {d["_id"]: str(d.get("category") or "other") for d in await self.boards.find({"_id": {"$in": list(item_ids)}})}

    async def item_category(self, item_id: str) -> str:
        """The category of an item as published ("other" if the item or its category is not known)."""
        document = await self.boards.find_one({"_id": item_id})
        return str(document.get("category") or "other") if document is not None else "other"

    async def figures_of_communities(
        self, community_ids: Sequence[str], first_day: date | None = None, last_day: date | None = None
    ) -> ClaimFigures:
        """Statistics of these communities for days ``first_day``..``last_day`` (both included, open if None),
        summed from the day, month and year counters: one query over communities × buckets, never over claims."""
        return await self.tallies.figures(community_ids, first_day, last_day)

    async def rollup_figures(
        self, scope: str, community_ids: Sequence[str], first_day: date | None = None, last_day: date | None = None
    ) -> ClaimFigures | None:
        """Statistics of a street's or district's rollup ``scope`` (its communities ``community_ids``): O(buckets),
        or None if the rollup may miss a move of one of them (then :meth:`figures_of_communities`)."""
        return await self.tallies.rollup_figures(scope, community_ids, first_day, last_day)

    async def insert_meeting(self, meeting: IntentionMeeting, events: Sequence[Event]) -> None:
        """A new meeting."""
        await insert_aggregate(self.meetings, {"_id": meeting.id, **meeting_fields(meeting)}, events)

    async def save_meeting(self, meeting: IntentionMeeting, events: Sequence[Event] = ()) -> None:
        """Save a changed meeting if nobody changed it meanwhile (raises VersionConflict)."""
        await save_aggregate(self.meetings, meeting.id, expected_version=meeting.version, changes=meeting_fields(meeting), events=events)

    async def meeting(self, meeting_id: str) -> tuple[IntentionMeeting, frozenset[str]] | None:
        """A meeting."""
        document = await self.meetings.find_one({"_id": meeting_id})
        return None if document is None else (meeting_from_document(document), frozenset(document.get(HANDLED_EVENTS, ())))

    async def meetings_by_ids(self, ids: Iterable[str]) -> dict[str, IntentionMeeting]:
        """Several meetings in one query."""
        return {d["_id"]: meeting_from_document(d) for d in await self.meetings.find({"_id": {"$in": list(ids)}})}

    async def list_meetings(self, query: MeetingQuery, *, first: int, after: str | None) -> tuple[list[IntentionMeeting], Page]:
        """One page of meetings, latest first."""
        page = await paginate(
            self.meetings, {"community_id": {"$in": list(query.community_ids)}}, [("scheduled_at", -1)], first=first, after=after
        )
        return [meeting_from_document(d) for d in page.documents], page

    async def count_meetings(self, query: MeetingQuery) -> int:
        """How many meetings match."""
        return await self.meetings.count_documents({"community_id": {"$in": list(query.community_ids)}})

    async def board(self, item_id: str) -> ItemBoard | None:
        """The item as published (with its reservations)."""
        document = await self.boards.find_one({"_id": item_id})
        return None if document is None else board_from_document(document)

    async def boards_by_ids(self, ids: Iterable[str]) -> dict[str, ItemBoard]:
        """Several boards in one query."""
        return {d["_id"]: board_from_document(d) for d in await self.boards.find({"_id": {"$in": list(ids)}})}

    async def record_published(self, fields: Mapping[str, Any], item_id: str, event_id: str, *, committed: Mapping[str, int]) -> None:
        """Upsert a board from ``needs.item.published.v1``; reservations are kept, a repeat changes nothing."""
        await self._upsert(
            self.boards, item_id, event_id, fields, on_insert={"reservations": [], "reserved": 0, "committed": dict(committed)}
        )

    async def record_item_status(self, item_id: str, status: str, event_id: str) -> None:
        """An item's status changed (cancelled, claimed, in progress…)."""
        await self.boards.update_one(
            {"_id": item_id, HANDLED_EVENTS: {"$ne": event_id}}, {"$set": {"status": status}, "$push": {HANDLED_EVENTS: event_id}}
        )

    async def reserve(self, board: ItemBoard, claim_id: str, budget: Mapping[str, int], at: datetime) -> bool:
        """Take a slot and budget for ``claim_id`` if both are still free: one conditional update."""
        guard: dict[str, Any] = {"_id": board.item_id, "reservations.claim_id": {"$ne": claim_id}, "reserved": {"$lt": board.slots}}
        available = board.budget_by_key
        for key, amount in budget.items():
            guard[f"committed.{key}"] = {"$lte": available.get(key, 0) - amount}
        update = {
            "$push": {"reservations": {"claim_id": claim_id, "budget": dict(budget), "at": at}},
            "$inc": {"reserved": 1, **{f"committed.{key}": amount for key, amount in budget.items()}},
        }
        return (await self.boards.update_one(guard, update)).modified > 0

    async def release(self, item_id: str, claim_id: str, *, spent: Mapping[str, int] | None = None) -> None:
        """Give a reserved slot and its budget back (idempotent); fen already ``spent`` per source stay committed."""
        document = await self.boards.find_one({"_id": item_id, "reservations.claim_id": claim_id})
        if document is None:
            return
        reservation = next(r for r in document["reservations"] if r["claim_id"] == claim_id)
        kept = spent or {}
        back = {key: amount - min(kept.get(key, 0), amount) for key, amount in reservation["budget"].items()}
        await self.boards.update_one(
            {"_id": item_id, "reservations.claim_id": claim_id},
            {
                "$pull": {"reservations": {"claim_id": claim_id}},
                "$inc": {"reserved": -1, **{f"committed.{k}": -v for k, v in back.items()}},
            },
        )

    async def card(self, organization_id: str) -> OrganizationCard | None:
        """An organization as last announced."""
        document = await self.cards.find_one({"_id": organization_id})
        return None if document is None else card_from_document(document)

    async def record_organization(self, organization_id: str, fields: Mapping[str, Any], as_of: datetime) -> None:
        """Upsert a card from an ``orgs.org.*`` snapshot; an older snapshot never overwrites a newer one."""
        try:
            await self.cards.update_one(
                {"_id": organization_id, "$or": [{"as_of": {"$lt": as_of}}, {"as_of": {"$exists": False}}]},
                {"$set": {**fields, "as_of": as_of}},
                upsert=True,
            )
        except DuplicateKey:
            return

    async def _upsert(
        self, collection: Collection, key: str, event_id: str, fields: Mapping[str, Any], *, on_insert: Mapping[str, Any]
    ) -> None:
        try:
            await collection.update_one(
                {"_id": key, HANDLED_EVENTS: {"$ne": event_id}},
                {"$set": dict(fields), "$setOnInsert": dict(on_insert), "$push": {HANDLED_EVENTS: event_id}},
                upsert=True,
            )
        except DuplicateKey:
            return


def _claim_filter(query: ClaimQuery) -> dict[str, Any]:
    filter: dict[str, Any] = {}
    if query.community_ids is not None:
        filter["community_id"] = {"$in": list(query.community_ids)}
    if query.item_ids:
        filter["item_id"] = {"$in": list(query.item_ids)}
    if query.organization_ids:
        filter["organization_id"] = {"$in": list(query.organization_ids)}
    if query.statuses:
        filter["status"] = {"$in": [status.value for status in query.statuses]}
    if query.claimant_subject is not None:
        filter["claimant.subject"] = query.claimant_subject
    if query.rated_by is not None:
        filter["ratings.resident"] = query.rated_by
    return filter
