"""The disclosure service's use cases: a community's 公示, its roll-up, the district's period, and reports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.common.domain import Invalid, NotFound, local_date
from services.common.identity import Principal
from services.common.masking import mask_personal
from services.common.places import CommunityPlace
from services.common.store.dates import aware
from services.disclosure.domain import (
    AGGREGATE_TABLES,
    DEFAULT_PERIOD_DAYS,
    LEDGER,
    MAX_PERIOD_DAYS,
    TABLE_COLUMNS,
    Period,
    PublicAmount,
    PublicClaim,
    PublicDecision,
    PublicDisbursement,
    PublicItem,
    PublicMeeting,
    PublicNotice,
    ReportTables,
    claimant_label,
    fund_totals,
    published_minutes,
    require_district_admin,
    require_report_reader,
    still_public,
)
from services.disclosure.store import DisclosureStore

__all__ = ["DisclosureHandlers", "ReportScope", "TableRows"]

TableRows = tuple[str, tuple[str, ...], AsyncIterator[tuple[Any, ...]]]
"""A report table: its name, its columns, and its rows as they are read."""


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a report covers: a place (community, street or district), its communities, and the period."""

    kind: str
    place_id: str
    communities: tuple[str, ...]
    period: Period


class DisclosureHandlers:
    """Use cases of the disclosure service."""

    def __init__(self, store: DisclosureStore, *, clock: Callable[[], datetime], notify: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._clock = clock
        self._notify = notify

    async def notice(self, community_id: str) -> PublicNotice | None:
        """What the community discloses now (anyone may read it); None for an unknown community."""
        place = (await self.store.places.places([community_id])).get(community_id)
        if place is None:
            return None
        days = await self.store.period_days(place.district_id) or DEFAULT_PERIOD_DAYS
        now = self._clock()
        public_items = (await self.public_items([place]))[community_id]
        meetings = await self._meetings(community_id, now, days)
        return PublicNotice(
            community_id=community_id,
            community_name=place.name,
            street_id=place.street_id,
            district_id=place.district_id,
            period_days=days,
            generated_at=now,
            items=public_items,
            meetings=meetings,
            totals=fund_totals(public_items),
        )

    async def public_items(self, places: Sequence[CommunityPlace]) -> dict[str, tuple[PublicItem, ...]]:
        """Each community's public items with their approved claims, in three queries whatever the number of communities."""
        now = self._clock()
        periods = {d: await self.store.period_days(d) or DEFAULT_PERIOD_DAYS for d in {p.district_id for p in places}}
        days_of = {p.community_id: periods[p.district_id] for p in places}
        items = [i for i in await self.store.published_items(list(days_of)) if _public(i, now, days_of[i["community_id"]])]
        claims = await self.store.approved_claims([i["_id"] for i in items])
        names = await self.store.organization_names(c.get("organization_id") or "" for c in claims)
        claims_of: dict[str, list[PublicClaim]] = {}
        for claim in claims:
            claims_of.setdefault(claim["item_id"], []).append(_claim(claim, names))
        result: dict[str, list[PublicItem]] = {community_id: [] for community_id in days_of}
        for item in items:
            result[item["community_id"]].append(_item(item, tuple(claims_of.get(item["_id"], ()))))
        return {community_id: tuple(found) for community_id, found in result.items()}

    async def communities_of(self, *, street_id: str | None, district_id: str | None) -> list[CommunityPlace]:
        """The communities a roll-up covers (exactly one of street or district)."""
        if (street_id is None) == (district_id is None):
            raise Invalid("give a street or a district", field="streetId")
        return await self.store.places.communities_in(
            street_ids=[street_id] if street_id else [], district_ids=[district_id] if district_id else []
        )

    async def set_period(self, principal: Principal, district_id: str, days: int) -> int:
        """A district administrator sets how many days closed records stay public."""
        require_district_admin(principal, district_id)
        if not 1 <= days <= MAX_PERIOD_DAYS:
            raise Invalid(f"the period is from 1 to {MAX_PERIOD_DAYS} days", field="days")
        await self.store.set_period(district_id, days, actor=principal.subject, at=self._clock())
        self._notify()
        return days

    async def period_of(self, district_id: str) -> int:
        """A district's disclosure period in days (the default until it sets one)."""
        return await self.store.period_days(district_id) or DEFAULT_PERIOD_DAYS

    async def report_scope(self, principal: Principal, params: Mapping[str, str]) -> ReportScope:
        """The report asked for (``community``, ``street`` or ``district``, ``from``, ``to``), if the caller may read it."""
        period = Period.parse(params.get("from", ""), params.get("to", ""))
        given = [(kind, params[kind]) for kind in ("community", "street", "district") if params.get(kind)]
        if len(given) != 1:
            raise Invalid("give exactly one of community, street or district", field="community")
        kind, place_id = given[0]
        if kind == "community":
            places = list((await self.store.places.places([place_id])).values())
        else:
            places = await self.store.places.communities_in(
                street_ids=[place_id] if kind == "street" else [], district_ids=[place_id] if kind == "district" else []
            )
        if not places:
            raise NotFound(f"no such {kind}", field=kind)
        require_report_reader(principal, [(p.community_id, p.district_id) for p in places], field=kind)
        return ReportScope(kind, place_id, tuple(sorted(p.community_id for p in places)), period)

    async def report_tables(self, scope: ReportScope) -> list[TableRows]:
        """The report's tables; aggregate ones are added up first (bounded buckets), the ledger streams."""
        tables = ReportTables()
        async for fact in self.store.walk_facts(scope.communities, AGGREGATE_TABLES, scope.period):
            tables.add(fact["table"], fact["key"], float(fact["value"]))
        organizations = await self._organizations(scope)
        result: list[TableRows] = [(name, TABLE_COLUMNS[name], _rows(tables.rows(name))) for name in AGGREGATE_TABLES]
        result.append(("organizations", TABLE_COLUMNS["organizations"], _rows(iter(organizations))))
        result.append((LEDGER, TABLE_COLUMNS[LEDGER], self._ledger(scope)))
        return result

    async def _organizations(self, scope: ReportScope) -> list[tuple[Any, ...]]:
        """Organizations founded by the period's end, by year founded and stage at the period's end."""
        end = scope.period.ends_on
        counts: dict[tuple[str, str], int] = {}
        async for organization in self.store.walk_organizations(scope.communities):
            founded = date.fromisoformat(str(organization.get("founded_on") or "9999-12-31"))
            if founded > end:
                continue
            stages = [s for s in organization.get("stages", []) if local_date(aware(s["at"])) <= end]
            stage = stages[-1]["stage"] if stages else (organization.get("stages") or [{"stage": "UNKNOWN"}])[0]["stage"]
            key = (str(founded.year), str(stage))
            counts[key] = counts.get(key, 0) + 1
        return [(*key, counts[key]) for key in sorted(counts)]

    async def _ledger(self, scope: ReportScope) -> AsyncIterator[tuple[Any, ...]]:
        columns = TABLE_COLUMNS[LEDGER]
        async for fact in self.store.walk_facts(scope.communities, [LEDGER], scope.period):
            row = fact.get("row") or {}
            yield tuple(row.get(column, "") for column in columns)

    async def _meetings(self, community_id: str, now: datetime, days: int) -> tuple[PublicMeeting, ...]:
        meetings = [
            m
            for m in await self.store.concluded_meetings(community_id)
            if still_public(aware(m["concluded_at"]), now=now, period_days=days)
        ]
        decided = [d for m in meetings for d in m.get("decisions", [])]
        claims = await self.store.claims_by_ids(d["claim_id"] for d in decided)
        names = await self.store.organization_names(c.get("organization_id") or "" for c in claims.values())
        titles = {i["_id"]: mask_personal(str(i.get("title", ""))) for i in await self.store.published_items([community_id])}
        result = []
        for meeting in meetings:
            decisions = []
            for decision in meeting.get("decisions", []):
                claim = claims.get(decision["claim_id"], {})
                label = claimant_label(str(claim.get("claimant_kind", "")), names.get(claim.get("organization_id") or ""))
                decisions.append(
                    PublicDecision(
                        decision["item_id"], titles.get(decision["item_id"], ""), decision["claim_id"], label, decision["outcome"]
                    )
                )
            written = str(meeting.get("minutes", ""))
            result.append(
                PublicMeeting(
                    meeting["_id"],
                    aware(meeting["scheduled_at"]),
                    aware(meeting["concluded_at"]),
                    published_minutes(written, str(meeting.get("public_minutes") or "")),
                    tuple(decisions),
                    minutes_as_written=written,
                )
            )
        return tuple(result)


def _public(item: Mapping[str, Any], now: datetime, days: int) -> bool:
    closed = item.get("closed_at")
    return still_public(aware(closed) if closed else None, now=now, period_days=days)


def _amounts(lines: Sequence[Mapping[str, Any]] | None) -> tuple[PublicAmount, ...]:
    return tuple(PublicAmount(str(line["fund_source"]), int(line["amount_fen"])) for line in lines or [])


def _claim(claim: Mapping[str, Any], names: Mapping[str, str]) -> PublicClaim:
    return PublicClaim(
        id=claim["_id"],
        item_id=claim["item_id"],
        claimant=claimant_label(str(claim.get("claimant_kind", "")), names.get(claim.get("organization_id") or "")),
        claimant_kind=str(claim.get("claimant_kind", "")).upper(),
        status=str(claim.get("status", "")).upper(),
        approved_at=aware(claim["approved_at"]),
        approved_budget=_amounts(claim.get("approved_budget")),
        disbursements=tuple(PublicDisbursement(d["on"], d["fund_source"], int(d["amount_fen"])) for d in claim.get("disbursements", [])),
        volunteer_hours=float(claim.get("volunteer_hours") or 0),
        score=float(claim["score"]) if claim.get("score") is not None else None,
        grade=claim.get("grade"),
    )


def _item(item: Mapping[str, Any], claims: tuple[PublicClaim, ...]) -> PublicItem:
    closed = item.get("closed_at")
    return PublicItem(
        id=item["_id"],
        community_id=item["community_id"],
        title=mask_personal(str(item.get("title", ""))),
        kind=str(item.get("kind", "")),
        category=str(item.get("category", "")),
        status=str(item.get("status", "")).upper(),
        published_at=aware(item["published_at"]),
        closed_at=aware(closed) if closed else None,
        budget=_amounts(item.get("budget")),
        claims=claims,
    )


async def _rows(rows: Any) -> AsyncIterator[tuple[Any, ...]]:
    for row in rows:
        yield row
