"""A generated district, loaded through the services' own commands (as the demo is).

``District(communities=500, needs=100_000, items=20_000, organizations=10_000)`` is the issue's
district scale. Everything goes through the handlers, so the documents, the outboxes, the
events and every read model (places, items and organizations in claims, the partner feed) are
exactly what real use produces. Deterministic: the same sizes give the same district.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.claims.domain import BudgetLine, Proposal
from services.claims.handlers import ClaimsHandlers
from services.common.identity import Principal, Role
from services.common.vocabulary import ClaimantKind, FundSource
from services.demo.projects import until_board, until_card, until_place
from services.needs.domain import BudgetLine as NeedsBudgetLine
from services.needs.domain import Category, ClaimWindow, ItemDraft, ItemKind, NeedDraft, NeedSource, Schedule, SupportKind, TargetGroup
from services.needs.handlers import NeedsHandlers
from services.orgs.domain import ActivityField, FilingStatus, MemberDraft, OrganizationDraft, OrganizationKind, Profile, Purpose, Stage
from services.orgs.handlers import OrgsHandlers

__all__ = ["DISTRICT_ID", "District", "Loaded", "load_district"]

DISTRICT_ID = "district-bench"
ADMIN = Principal("bench-admin", frozenset({Role.DISTRICT_ADMIN}), districts=frozenset({DISTRICT_ID}))
COMMUNITIES_PER_STREET = 20
CONCURRENCY = 8
LOAD_WAIT_S = 900.0
"""How long the claims service may take to learn of items and organizations (the relay may be minutes behind a bulk load)."""


@dataclass(frozen=True)
class District:
    """How big the generated district is."""

    communities: int = 500
    needs: int = 100_000
    items: int = 20_000
    organizations: int = 10_000
    claims_per_published_item: int = 1

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--communities --needs --items --organizations``, defaulting to the district scale."""
        for name, default in (("communities", 500), ("needs", 100_000), ("items", 20_000), ("organizations", 10_000)):
            parser.add_argument(f"--{name}", type=int, default=default)

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> District:
        """The district the command line asked for."""
        return cls(args.communities, args.needs, args.items, args.organizations)

    def arguments(self) -> list[str]:
        """The command line that asks for this district."""
        sizes = {"communities": self.communities, "needs": self.needs, "items": self.items, "organizations": self.organizations}
        return [part for name, value in sizes.items() for part in (f"--{name}", str(value))]

    def community_ids(self) -> list[str]:
        """``community-b000`` … in order."""
        return [f"community-b{index:03d}" for index in range(self.communities)]


@dataclass
class Loaded:
    """What was loaded and how long each part took."""

    seconds: dict[str, float]
    organization_ids: dict[str, list[str]]
    item_ids: dict[str, list[str]]
    claims: int = 0


async def load_district(
    district: District, orgs: OrgsHandlers, needs: NeedsHandlers, claims: ClaimsHandlers, *, progress: Callable[[str], None] = print
) -> Loaded:
    """Places, organizations, needs, items (some published) and claims on the published items."""
    loaded = Loaded({}, {}, {})
    began = time.perf_counter()
    await _places(district, orgs)
    for places in (needs.store.places, claims.store.places):  # writes into a community wait until the service knows it
        for community_id in district.community_ids():
            await until_place(places, community_id, within_s=LOAD_WAIT_S)
    loaded.seconds["places"] = time.perf_counter() - began
    progress(f"places: {district.communities} communities in {loaded.seconds['places']:.1f} s")
    for part, load in (("organizations", _organizations), ("needs and items", _needs_and_items), ("claims", _claims)):
        began = time.perf_counter()
        await load(district, loaded, orgs, needs, claims)
        loaded.seconds[part] = time.perf_counter() - began
        progress(f"{part}: {loaded.seconds[part]:.1f} s")
    return loaded


async def _places(district: District, orgs: OrgsHandlers) -> None:
    await orgs.register_district(ADMIN, DISTRICT_ID, "基准区")
    for index, community_id in enumerate(district.community_ids()):
        street_id = f"street-b{index // COMMUNITIES_PER_STREET:02d}"
        if index % COMMUNITIES_PER_STREET == 0:
            await orgs.register_street(ADMIN, street_id, DISTRICT_ID, f"第{index // COMMUNITIES_PER_STREET + 1}街道")
        await orgs.register_community(ADMIN, community_id, street_id, f"基准{index:03d}社区", f"基准路{index}号")


async def _in_parallel(jobs: Sequence[Callable[[], Awaitable[Any]]]) -> list[Any]:
    """Run the jobs CONCURRENCY at a time (as concurrent requests would), results in order."""
    results: list[Any] = [None] * len(jobs)
    queue = list(enumerate(jobs))
    queue.reverse()

    async def worker() -> None:
        while queue:
            position, job = queue.pop()
            results[position] = await job()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return results


def _staff(community_id: str) -> Principal:
    return Principal(f"bench-staff-{community_id}", frozenset({Role.COMMUNITY_STAFF}), frozenset({community_id}))


async def _organizations(district: District, loaded: Loaded, orgs: OrgsHandlers, needs: NeedsHandlers, claims: ClaimsHandlers) -> None:
    per_community = district.organizations // district.communities

    def job(community_id: str, number: int) -> Callable[[], Awaitable[str]]:
        random_ = random.Random(f"{community_id}-{number}")
        leader = MemberDraft(f"队长{number}", in_management_group=True)
        members = (MemberDraft(f"副队长{number}", in_management_group=True), MemberDraft(f"干事{number}", in_management_group=True))
        profile = Profile(
            f"基准{community_id[-3:]}第{number}队",
            random_.choice(list(Purpose)),
            (random_.choice(list(ActivityField)),),
        )
        draft = OrganizationDraft(
            community_id,
            OrganizationKind.SOCIAL_ORGANIZATION,
            date(2005 + random_.randrange(20), 1 + random_.randrange(12), 1),
            profile,
            leader,
            members,
            stage=random_.choice(list(Stage)),
            status=FilingStatus.ACTIVE,
        )

        async def register() -> str:
            organization = await orgs.register_organization(_staff(community_id), draft, idempotency_key=f"bench-org-{number}")
            return organization.id

        return register

    for community_id in district.community_ids():
        loaded.organization_ids[community_id] = await _in_parallel([job(community_id, number) for number in range(per_community)])


async def _needs_and_items(district: District, loaded: Loaded, orgs: OrgsHandlers, needs: NeedsHandlers, claims: ClaimsHandlers) -> None:
    needs_each = district.needs // district.communities
    items_each = district.items // district.communities
    now = datetime.now(UTC)
    categories, groups = list(Category), list(TargetGroup)

    def need_job(community_id: str, number: int) -> Callable[[], Awaitable[str | None]]:
        random_ = random.Random(f"{community_id}-need-{number}")
        resident = Principal(f"bench-resident-{community_id}-{number}", frozenset({Role.RESIDENT}), frozenset({community_id}))
        category = random_.choice(categories)
        draft = NeedDraft(
            community_id,
            f"需求{number}：{category.value}",
            "基准数据",
            category,
            (random_.choice(groups),),
            NeedSource.RESIDENT,
            "",
            anonymous=False,
        )

        async def submit() -> str | None:
            need = await needs.submit_need(resident, draft, idempotency_key=f"bench-need-{number}")
            staff = _staff(community_id)
            if number < items_each:
                await needs.accept_need(staff, need.id)
                item = await needs.create_item(
                    staff, _item_draft(community_id, need.id, number, category, now), idempotency_key=f"bench-item-{number}"
                )
                if number % 2 == 0:
                    await needs.publish_item(staff, item.id)
                return item.id
            if number % 5 == 1:
                await needs.start_review(staff, need.id)
            elif number % 5 == 2:
                await needs.reject_need(staff, need.id, "不属于社区公益事项")
            return None

        return submit

    for community_id in district.community_ids():
        results = await _in_parallel([need_job(community_id, number) for number in range(needs_each)])
        loaded.item_ids[community_id] = [item_id for item_id in results if item_id is not None]


def _item_draft(community_id: str, need_id: str, number: int, category: Category, now: datetime) -> ItemDraft:
    return ItemDraft(
        community_id,
        (need_id,),
        ItemKind.PROJECT if number % 3 == 0 else ItemKind.ACTIVITY,
        category,
        f"服务项目{number}",
        "基准数据",
        ("居民满意",),
        (TargetGroup.EVERYONE,),
        (NeedsBudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 50_000 + 1_000 * number),),
        Schedule(date(2026, 9, 1), date(2027, 6, 30), "每月一次"),
        ClaimWindow(now - timedelta(days=30), now + timedelta(days=60)),
        frozenset({ClaimantKind.SOCIAL_ORGANIZATION}),
        frozenset({SupportKind.VENUE}),
    )


async def _claims(district: District, loaded: Loaded, orgs: OrgsHandlers, needs: NeedsHandlers, claims: ClaimsHandlers) -> None:
    published = {community_id: item_ids[::2] for community_id, item_ids in loaded.item_ids.items()}
    last = next(reversed(published.values()), [])
    if last:
        await until_board(claims, last[-1], within_s=LOAD_WAIT_S)

    def job(community_id: str, item_id: str, rank: int, slot: int) -> Callable[[], Awaitable[None]]:
        organizations = loaded.organization_ids[community_id]
        organization = organizations[(rank + slot) % len(organizations)]
        leader = Principal(
            f"bench-leader-{organization}", frozenset({Role.ORG_LEADER}), frozenset({community_id}), organization=organization
        )
        proposal = Proposal("分阶段实施，每月汇报", "按季度", ("队长", "副队长"), (BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 40_000),))

        async def submit() -> None:
            await until_board(claims, item_id, within_s=LOAD_WAIT_S)
            await until_card(claims, organization, within_s=LOAD_WAIT_S)
            await claims.submit_claim(leader, item_id, organization, proposal, idempotency_key=f"bench-claim-{item_id}-{slot}")

        return submit

    for community_id, item_ids in published.items():
        jobs = [
            job(community_id, item_id, rank, slot)
            for rank, item_id in enumerate(item_ids)
            for slot in range(district.claims_per_published_item)
        ]
        await _in_parallel(jobs)
        loaded.claims += len(jobs)
