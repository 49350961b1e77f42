"""The orgs service's MongoDB store: districts, streets, communities and organizations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from services.common.events import Event
from services.common.outbox import OUTBOX_INDEX
from services.common.pagination import Page, paginate
from services.common.places import in_streets_or_districts
from services.common.store import Collection, Database, Index, insert_aggregate, save_aggregate
from services.common.store.aggregate import HANDLED_EVENTS
from services.common.store.dates import day_from_bson, optional_day_from_bson
from services.common.store.search import SEARCH_GRAMS, text_filter
from services.common.store.stamped import StampedCollection, stamped
from services.orgs.documents import (
    community_fields,
    community_from_document,
    district_fields,
    district_from_document,
    organization_fields,
    organization_from_document,
    street_fields,
    street_from_document,
)
from services.orgs.domain import (
    ActivityField,
    Community,
    District,
    FilingStatus,
    Organization,
    OrganizationFacts,
    OrganizationKind,
    Purpose,
    Stage,
    Street,
)
from services.orgs.tallies import OrganizationTallies, TalliedOrganization

__all__ = ["OrganizationQuery", "OrgsStore"]

ORGANIZATION_INDEXES = (
    Index((("community_id", 1), ("name", 1))),
    Index((("community_id", 1), ("kind", 1), ("status", 1))),
    Index((("served_community_ids", 1),)),
    Index((("requested_community_ids", 1), ("name", 1))),
    Index(((SEARCH_GRAMS, 1),)),
    OUTBOX_INDEX,
)
STREET_INDEXES = (Index((("district_id", 1), ("name", 1)), unique=True), OUTBOX_INDEX)
COMMUNITY_INDEXES = (Index((("street_id", 1), ("name", 1)), unique=True), Index((("district_id", 1),)), OUTBOX_INDEX)


@dataclass(frozen=True, slots=True)
class OrganizationQuery:
    """Filters of an organizations list; ``community_ids`` already limited to what the caller may see."""

    community_ids: Sequence[str]
    kinds: Sequence[OrganizationKind] = ()
    purposes: Sequence[Purpose] = ()
    statuses: Sequence[FilingStatus] = ()
    stages: Sequence[Stage] = ()
    fields: Sequence[ActivityField] = ()
    text: str | None = None


class OrgsStore:
    """Collections of the orgs service and the operations its handlers need."""

    def __init__(self, database: Database) -> None:
        self.districts: Collection = stamped(database, "districts")
        self.streets: Collection = stamped(database, "streets")
        self.communities: StampedCollection = stamped(database, "communities")
        self.organizations: Collection = stamped(database, "organizations")
        self.tallies = OrganizationTallies(database)

    @property
    def outbox_collections(self) -> tuple[Collection, ...]:
        """Collections whose documents carry an outbox."""
        return (self.districts, self.streets, self.communities, self.organizations)

    async def create_indexes(self) -> None:
        """Declared indexes, created at start-up."""
        await self.districts.create_indexes([OUTBOX_INDEX])
        await self.streets.create_indexes(STREET_INDEXES)
        await self.communities.create_indexes(COMMUNITY_INDEXES)
        await self.organizations.create_indexes(ORGANIZATION_INDEXES)
        await self.tallies.create_indexes()

    async def insert_district(self, district: District, events: Sequence[Event]) -> None:
        """A new district (DuplicateKey if the id is taken)."""
        await insert_aggregate(self.districts, {"_id": district.id, **district_fields(district)}, events)

    async def save_district(self, district: District, events: Sequence[Event] = ()) -> None:
        """Save a changed district if nobody changed it meanwhile (raises VersionConflict)."""
        await save_aggregate(
            self.districts, district.id, expected_version=district.version, changes=district_fields(district), events=events
        )

    async def insert_street(self, street: Street, events: Sequence[Event]) -> None:
        """A new street (DuplicateKey if the id or the name in its district is taken)."""
        await insert_aggregate(self.streets, {"_id": street.id, **street_fields(street)}, events)

    async def insert_community(self, community: Community, events: Sequence[Event]) -> None:
        """A new community (DuplicateKey if the id or the name in its street is taken)."""
        await insert_aggregate(self.communities, {"_id": community.id, **community_fields(community)}, events)

    async def districts_by_ids(self, ids: Iterable[str]) -> dict[str, District]:
        """Several districts in one query."""
        return {d["_id"]: district_from_document(d) for d in await self.districts.find({"_id": {"$in": list(ids)}})}

    async def streets_by_ids(self, ids: Iterable[str]) -> dict[str, Street]:
        """Several streets in one query."""
        return {d["_id"]: street_from_document(d) for d in await self.streets.find({"_id": {"$in": list(ids)}})}

    async def communities_by_ids(self, ids: Iterable[str]) -> dict[str, Community]:
        """Several communities in one query."""
        return {d["_id"]: community_from_document(d) for d in await self.communities.find({"_id": {"$in": list(ids)}})}

    async def list_districts(self, *, first: int, after: str | None) -> tuple[list[District], Page]:
        """Districts by name."""
        page = await paginate(self.districts, {}, [("name", 1)], first=first, after=after)
        return [district_from_document(d) for d in page.documents], page

    async def streets_of(self, district_ids: Sequence[str]) -> list[Street]:
        """Every street of the districts, by name."""
        return [street_from_document(d) for d in await self.streets.find({"district_id": {"$in": list(district_ids)}}, sort=[("name", 1)])]

    async def communities_of(self, *, street_ids: Sequence[str] = (), district_ids: Sequence[str] = ()) -> list[Community]:
        """Every community of the streets or districts, by name."""
        filter = in_streets_or_districts(street_ids, district_ids)
        if filter is None:
            return []

        async def read() -> tuple[Community, ...]:
            return tuple(community_from_document(d) for d in await self.communities.find(filter, sort=[("name", 1)]))

        key = ("communities_of", tuple(street_ids), tuple(district_ids))
        return list(await self.communities.memo(key, read))  # frozen records, read once per change of the communities

    async def insert_organization(self, organization: Organization, events: Sequence[Event]) -> None:
        """A new organization."""
        await insert_aggregate(self.organizations, {"_id": organization.id, **organization_fields(organization)}, events)

    async def save_organization(
        self, organization: Organization, events: Sequence[Event] = (), *, handled_event: str | None = None
    ) -> None:
        """Save a changed organization if nobody changed it meanwhile (raises VersionConflict)."""
        await save_aggregate(
            self.organizations,
            organization.id,
            expected_version=organization.version,
            changes=organization_fields(organization),
            events=events,
            handled_event=handled_event,
        )

    async def declared_links(self) -> list[Organization]:
        """Organizations stored before service links were granted (no ``service_links`` yet): their declared communities read as requests."""
        return [organization_from_document(d) for d in await self.organizations.find({"service_links": {"$exists": False}})]

    async def organization(self, organization_id: str) -> tuple[Organization, frozenset[str]] | None:
        """An organization and the ids of the events it has handled."""
        document = await self.organizations.find_one({"_id": organization_id})
        if document is None:
            return None
        return organization_from_document(document), frozenset(document.get(HANDLED_EVENTS, ()))

    async def organization_ids_with_account(self, account: str) -> list[str]:
        """The organizations one of whose members is linked to this account."""
        return [d["_id"] for d in await self.organizations.find({"members.account": account}, projection={"_id": 1})]

    async def organizations_by_ids(self, ids: Iterable[str]) -> dict[str, Organization]:
        """Several organizations in one query."""
        return {d["_id"]: organization_from_document(d) for d in await self.organizations.find({"_id": {"$in": list(ids)}})}

    async def list_organizations(self, query: OrganizationQuery, *, first: int, after: str | None) -> tuple[list[Organization], Page]:
        """One page of organizations by name."""
        page = await paginate(self.organizations, _organization_filter(query), [("name", 1)], first=first, after=after)
        return [organization_from_document(d) for d in page.documents], page

    async def list_service_requests(self, community_id: str, *, first: int, after: str | None) -> tuple[list[Organization], Page]:
        """One page (by name) of the organizations asking to serve this community, not yet answered."""
        filter = {"requested_community_ids": community_id}
        page = await paginate(self.organizations, filter, [("name", 1)], first=first, after=after)
        return [organization_from_document(d) for d in page.documents], page

    async def count_service_requests(self, community_id: str) -> int:
        """How many organizations ask to serve this community."""
        return await self.organizations.count_documents({"requested_community_ids": community_id})

    async def count_organizations(self, query: OrganizationQuery) -> int:
        """How many organizations match."""
        return await self.organizations.count_documents(_organization_filter(query))

    async def all_districts(self) -> list[District]:
        """Every district (a handful per deployment)."""
        return [district_from_document(d) for d in await self.districts.find({})]

    async def tallied(self, community_ids: Sequence[str]) -> list[TalliedOrganization]:
        """Every organization of these (home) communities with its version, for a rebuild of the statistics, in one query."""
        documents = await self.organizations.find(
            {"community_id": {"$in": list(community_ids)}},
            projection={"community_id": 1, "kind": 1, "purpose": 1, "founded_on": 1, "dissolved_on": 1, "version": 1},
        )
        return [TalliedOrganization(d["_id"], int(d["version"]), _facts(d)) for d in documents]

    async def facts(self, community_ids: Sequence[str]) -> list[OrganizationFacts]:
        """What statistics need of every organization of these (home) communities, in one query."""
        documents = await self.organizations.find(
            {"community_id": {"$in": list(community_ids)}},
            projection={"community_id": 1, "kind": 1, "purpose": 1, "founded_on": 1, "dissolved_on": 1},
        )
        return [_facts(d) for d in documents]


def _facts(document: dict[str, Any]) -> OrganizationFacts:
    return OrganizationFacts(
        document["community_id"],
        OrganizationKind(document["kind"]),
        Purpose(document["purpose"]),
        day_from_bson(document["founded_on"]),
        optional_day_from_bson(document["dissolved_on"]),
    )


def _organization_filter(query: OrganizationQuery) -> dict[str, Any]:
    communities = list(query.community_ids)
    filter: dict[str, Any] = {"$or": [{"community_id": {"$in": communities}}, {"served_community_ids": {"$in": communities}}]}
    for name, values in (
        ("kind", query.kinds),
        ("purpose", query.purposes),
        ("status", query.statuses),
        ("stage", query.stages),
        ("fields", query.fields),
    ):
        if values:
            filter[name] = {"$in": [value.value for value in values]}
    if query.text:
        filter.update(text_filter(query.text, ("name", "description")))
    return filter
