"""Service items of 左安浦园 in every state, with claims at every stage, a past intention meeting,
training, supervision, progress, disbursements from both funds and evaluations.

Everything goes through the needs and claims services' own commands; between the two, the
published items travel as events, so the loader waits until the claims service has them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.claims.domain import Attendee, AttendeeRole, BudgetLine, DecisionOutcome, MeetingPlan, Proposal, Rubric
from services.claims.handlers import ClaimsHandlers
from services.common.identity import Principal, Role
from services.common.places import CommunityPlace, PlacesReadModel
from services.common.vocabulary import ClaimantKind, FundSource
from services.needs.domain import BudgetLine as NeedsBudgetLine
from services.needs.domain import Category, ClaimWindow, ItemDraft, ItemKind, NeedDraft, NeedSource, Schedule, SupportKind, TargetGroup
from services.needs.handlers import NeedsHandlers
from services.needs.store import ItemQuery

__all__ = ["seed_projects", "until_board", "until_card", "until_place"]

PARTY, WELFARE = FundSource.PARTY_SERVICE_FUND, FundSource.COMMUNITY_WELFARE_FUND


@dataclass(frozen=True)
class DemoItem:
    """An item, the organizations claiming it, and how far its story goes."""

    title: str
    category: Category
    kind: ItemKind
    budget: tuple[tuple[FundSource, int], ...]
    claimants: tuple[str, ...]
    stage: str


ITEMS = [
    DemoItem("社区读书角布置", Category.RED_CLASSROOM, ItemKind.ACTIVITY, ((WELFARE, 80_000),), (), "draft"),
    DemoItem("春节联欢会", Category.PINK_STATION, ItemKind.ACTIVITY, ((PARTY, 150_000),), (), "cancelled"),
    DemoItem("四点半课堂（春季）", Category.RED_CLASSROOM, ItemKind.PROJECT, ((WELFARE, 200_000),), ("四点半课堂志愿者队", "红色课堂宣讲队", "亲子阅读会"), "open"),
    DemoItem("楼道堆物清理", Category.GREEN_GUARDIANS, ItemKind.ACTIVITY, ((WELFARE, 60_000),), ("绿色卫士环保队", "垃圾分类督导队"), "claimed"),
    DemoItem("东门停车调解", Category.ORANGE_ENVOYS, ItemKind.PROJECT, ((PARTY, 50_000),), ("橙色使者调解队",), "terminated"),
    DemoItem("太极拳进楼门", Category.PINK_STATION, ItemKind.ACTIVITY, ((WELFARE, 40_000),), ("太极拳队",), "training"),
    DemoItem("独居老人探访", Category.BLUE_GUARD, ItemKind.PROJECT, ((PARTY, 180_000), (WELFARE, 60_000)), ("夕阳天使志愿服务队",), "implementing"),
    DemoItem("社区摄影展", Category.PINK_STATION, ItemKind.ACTIVITY, ((WELFARE, 90_000),), ("掌上明珠摄影队",), "completed"),
    DemoItem("高龄老人集体生日会", Category.BLUE_GUARD, ItemKind.PROJECT, ((PARTY, 240_000), (WELFARE, 120_000)), ("夕阳天使志愿服务队",), "evaluated"),
]  # fmt: skip
HOME_PAST = datetime(2026, 10, 15, 19, 0, tzinfo=UTC)
TAKES_OVER = "邻里互助会"  # claims 东门停车调解 again after the first claim was terminated


async def seed_projects(needs: NeedsHandlers, claims: ClaimsHandlers, community: str, organization_ids: dict[str, str]) -> None:
    """Items and claims, unless the community already has items."""
    if await needs.store.count_items(ItemQuery([community])):
        return
    staff = Principal("demo-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({community}))
    now = datetime.now(UTC)
    published: list[tuple[DemoItem, str]] = []
    for index, demo in enumerate(ITEMS):
        resident = Principal(f"demo-resident-item-{index}", frozenset({Role.RESIDENT}), frozenset({community}))
        need = await needs.submit_need(
            resident,
            NeedDraft(community, demo.title, "", demo.category, (TargetGroup.EVERYONE,), NeedSource.SURVEY, "", False),
            idempotency_key=f"demo-item-need-{index}",
        )
        await needs.accept_need(staff, need.id)
        draft = ItemDraft(
            community, (need.id,), demo.kind, demo.category, demo.title, "", ("居民满意",), (TargetGroup.EVERYONE,),
            tuple(NeedsBudgetLine(source, amount) for source, amount in demo.budget),
            Schedule(date(2026, 9, 1), date(2027, 6, 30), "每月一次"),
            ClaimWindow(now - timedelta(days=60), now + timedelta(days=30)),
            frozenset({ClaimantKind.SOCIAL_ORGANIZATION, ClaimantKind.RESIDENT}), frozenset({SupportKind.VENUE, SupportKind.TRAINING}),
        )  # fmt: skip
        item = await needs.create_item(staff, draft, idempotency_key=f"demo-item-{index}")
        if demo.stage == "draft":
            continue
        await needs.publish_item(staff, item.id)
        if demo.stage == "cancelled":
            await needs.cancel_item(staff, item.id, "经费调整到下一季度")
            continue
        published.append((demo, item.id))
    for _, item_id in published:
        await until_board(claims, item_id)
    decided = [(demo, item_id) for demo, item_id in published if demo.stage != "open"]
    meeting = await claims.schedule_meeting(
        staff,
        MeetingPlan(community, HOME_PAST, "社区党群服务中心二楼", tuple(item_id for _, item_id in decided), (Attendee("居民代表 刘阿姨", AttendeeRole.RESIDENT_REPRESENTATIVE), Attendee("社区书记", AttendeeRole.STAFF))),
        idempotency_key="demo-meeting",
    )  # fmt: skip
    for demo, item_id in published:
        await _story(claims, staff, meeting.id, demo, item_id, organization_ids)
    await claims.conclude_meeting(staff, meeting.id, "认领意向会：各认领方陈述方案，居民代表投票，通过如下认领。")


async def until_board(claims: ClaimsHandlers, item_id: str, *, status: str | None = None, within_s: float = 30.0) -> None:
    """The published item travels to the claims service as an event: wait until it is there (in ``status``, if given)."""

    async def board() -> object | None:
        found = await claims.store.board(item_id)
        return found if found is not None and status in (None, found.status) else None

    await _until(board, f"item {item_id}" + (f" {status}" if status else ""), within_s)


async def _taken_over(claims: ClaimsHandlers, staff: Principal, claim_id: str, item_id: str, organization: str) -> None:
    """The approved claim is terminated; its slot frees, the item is open for claiming again and another team claims it."""
    await claims.terminate_claim(staff, claim_id, "调解队骨干搬离社区，无法继续；项目重新开放认领")
    await until_board(claims, item_id, status="published")
    await until_card(claims, organization)
    leader = Principal(
        f"demo-leader-{organization}", frozenset({Role.ORG_LEADER}), frozenset({staff_community(staff)}), organization=organization
    )
    plan = Proposal("邻里互助会接手东门停车调解：每周两次现场协商，制定停车公约", "按月", ("会长", "副会长"), (BudgetLine(PARTY, 30_000),))
    await claims.submit_claim(leader, item_id, organization, plan, idempotency_key=f"demo-claim-{item_id}-again")


async def until_card(claims: ClaimsHandlers, organization_id: str, *, within_s: float = 30.0) -> None:
    """A registered organization travels to the claims service as an event too (in no set order with the items)."""
    await _until(lambda: claims.store.card(organization_id), f"organization {organization_id}", within_s)


async def until_place(places: PlacesReadModel, community_id: str, *, within_s: float = 30.0) -> None:
    """A registered community travels to every other service as an event: wait until this one knows it (no write goes into an unknown community)."""
    await _until(lambda: _place(places, community_id), f"community {community_id}", within_s, service="a service")


async def _place(places: PlacesReadModel, community_id: str) -> CommunityPlace | None:
    return (await places.places([community_id])).get(community_id)


async def _until(load: Callable[[], Awaitable[object | None]], what: str, within_s: float, *, service: str = "the claims service") -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while await load() is None:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{service} did not learn of {what} within {within_s} s")
        await asyncio.sleep(0.02)


async def _story(
    claims: ClaimsHandlers, staff: Principal, meeting_id: str, demo: DemoItem, item_id: str, organization_ids: dict[str, str]
) -> None:
    claim_ids = []
    for index, name in enumerate(demo.claimants):
        organization = organization_ids[name]
        await until_card(claims, organization)
        leader = Principal(
            f"demo-leader-{organization}", frozenset({Role.ORG_LEADER}), frozenset({staff_community(staff)}), organization=organization
        )
        request = tuple(BudgetLine(source, amount * 3 // 4) for source, amount in demo.budget)
        claim = await claims.submit_claim(
            leader,
            item_id,
            organization,
            Proposal(f"{name}的方案：分阶段实施，每月汇报", "按季度", ("队长", "副队长"), request),
            idempotency_key=f"demo-claim-{item_id}-{index}",
        )
        claim_ids.append((claim.id, leader))
    if demo.stage == "open":
        if len(claim_ids) > 1:
            await claims.shortlist_claim(staff, claim_ids[1][0])
        if len(claim_ids) > 2:
            await claims.withdraw_claim(claim_ids[2][1], claim_ids[2][0], "人手不足")
        return
    winner, leader = claim_ids[0]
    await claims.decide_claim(staff, meeting_id, winner, DecisionOutcome.APPROVED, "方案完整，经验丰富")
    if demo.stage == "claimed":
        return
    if demo.stage == "terminated":
        await _taken_over(claims, staff, winner, item_id, organization_ids[TAKES_OVER])
        return
    await claims.record_training(
        staff, winner, on=date(2026, 10, 20), topic="项目管理与安全", trainer="社区督导 周老师", attendees=["队长", "副队长"]
    )
    if demo.stage == "training":
        return
    await claims.start_implementation(leader, winner)
    visit = await claims.record_supervision(
        staff,
        winner,
        on=date(2026, 10, 28),
        supervisor="街道社会组织督导",
        findings="活动台账不全",
        rectification_required=True,
        rectification_deadline=date(2026, 11, 10),
    )
    await claims.report_progress(
        leader, winner, percent=60, narrative="已完成三次活动", photo_urls=["https://photos.example/zuoanpuyuan/1.jpg"], volunteer_hours=36
    )
    first = demo.budget[0]
    await claims.record_disbursement(staff, winner, line=BudgetLine(first[0], first[1] // 4), on=date(2026, 10, 30), purpose="活动物资")
    if demo.stage == "implementing":
        return
    await claims.record_rectified(leader, winner, visit.supervisions[-1].id, date(2026, 11, 5))
    await claims.report_progress(leader, winner, percent=100, narrative="全部完成", photo_urls=[], volunteer_hours=24)
    for source, amount in demo.budget[1:]:
        await claims.record_disbursement(staff, winner, line=BudgetLine(source, amount // 4), on=date(2026, 11, 8), purpose="场地与宣传")
    await claims.complete_project(leader, winner)
    if demo.stage == "completed":
        return
    for index, score in enumerate((5, 5, 4)):
        resident = Principal(f"demo-served-{index}", frozenset({Role.RESIDENT}), frozenset({staff_community(staff)}))
        await claims.rate_project(resident, winner, score, "老人们很开心")
    await claims.evaluate_project(staff, winner, Rubric(5, 5, 4, 5, 4), "目标全部达成，居民满意度高，队伍更稳定")


def staff_community(staff: Principal) -> str:
    """The one community of the demo staff."""
    return next(iter(staff.communities))
