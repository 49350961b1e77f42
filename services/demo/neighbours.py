"""Life in the district beyond 左安浦园: in five more communities, organizations in several states, needs
submitted, accepted and rejected, and an item published and claimed — so the district dashboard shows a district.

Through the services' own commands like the rest of the demo, idempotently (a community that
already has needs is left as it is; organizations carry idempotency keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.claims.domain import BudgetLine, Proposal
from services.claims.handlers import ClaimsHandlers
from services.common.identity import Principal, Role
from services.common.vocabulary import ClaimantKind, FundSource
from services.demo.organizations import team
from services.demo.projects import until_board, until_card
from services.needs.domain import BudgetLine as NeedsBudgetLine
from services.needs.domain import Category, ClaimWindow, ItemDraft, ItemKind, NeedDraft, NeedSource, Schedule, SupportKind, TargetGroup
from services.needs.handlers import NeedsHandlers
from services.needs.store import NeedQuery
from services.orgs.domain import ActivityField as F
from services.orgs.domain import FilingStatus, OrganizationDraft, OrganizationKind, Profile, Purpose, Stage
from services.orgs.handlers import OrgsHandlers

__all__ = ["NEIGHBOURHOOD", "seed_neighbours"]


@dataclass(frozen=True)
class Neighbour:
    """One more community: its organizations (name, purpose, field, stage, status, leader) and needs."""

    community_id: str
    organizations: tuple[tuple[str, Purpose, F, Stage, FilingStatus, str], ...]
    needs: tuple[tuple[str, Category, TargetGroup], ...]


W, S, M = Purpose.PUBLIC_WELFARE, Purpose.SELF_BENEFIT, Purpose.MUTUAL_BENEFIT
ACTIVE, FILED, DORMANT = FilingStatus.ACTIVE, FilingStatus.FILED, FilingStatus.DORMANT
NEIGHBOURHOOD = (
    Neighbour(
        "community-zuoanmennei",
        (("左安门内助老服务队", W, F.ELDERLY_CARE, Stage.ACTIVITY_PROJECTS, ACTIVE, "马桂兰"),
         ("左安门内京剧社", S, F.CULTURE_SPORTS, Stage.SERVICE_ACTIVITIES, ACTIVE, "孔德华"),
         ("护绿小队", W, F.ENVIRONMENT, Stage.NEEDS_ASSESSMENT, FILED, "罗小燕")),
        (("为独居老人安装紧急呼叫器", Category.BLUE_GUARD, TargetGroup.ELDERLY),
         ("小区绿地补种", Category.GREEN_GUARDIANS, TargetGroup.EVERYONE),
         ("京剧进社区", Category.PINK_STATION, TargetGroup.EVERYONE)),
    ),
    Neighbour(
        "community-longtanbeili",
        (("北里邻里调解室", W, F.MEDIATION, Stage.PROJECT_ORGANIZATION, ACTIVE, "郭建平"),
         ("北里广场舞队", S, F.CULTURE_SPORTS, Stage.SERVICE_ACTIVITIES, DORMANT, "吕秀英")),
        (("楼上漏水纠纷调解", Category.ORANGE_ENVOYS, TargetGroup.FAMILIES),
         ("暑期儿童托管", Category.RED_CLASSROOM, TargetGroup.CHILDREN)),
    ),
    Neighbour(
        "community-tiyuguanlu",
        (("体育馆路健身指导站", W, F.HEALTH, Stage.ACTIVITY_PROJECTS, ACTIVE, "曾志伟"),
         ("青少年篮球队", M, F.CULTURE_SPORTS, Stage.SERVICE_ACTIVITIES, ACTIVE, "程浩")),
        (("健身器材维护", Category.PINK_STATION, TargetGroup.EVERYONE),
         ("慢病健康讲座", Category.BLUE_GUARD, TargetGroup.ELDERLY),
         ("垃圾分类桶站改造", Category.GREEN_GUARDIANS, TargetGroup.EVERYONE)),
    ),
    Neighbour(
        "community-tiantan",
        (("天坛东里红色宣讲团", W, F.EDUCATION, Stage.PUBLIC_WELFARE_ORGANIZATION, ACTIVE, "袁老师"),
         ("东里编织坊", M, F.CULTURE_SPORTS, Stage.NEEDS_ASSESSMENT, FILED, "白玉梅")),
        (("党史故事进楼门", Category.RED_CLASSROOM, TargetGroup.EVERYONE),
         ("老旧楼道照明更换", Category.BLUE_GUARD, TargetGroup.ELDERLY)),
    ),
    Neighbour(
        "community-fahuasi",
        (("法华寺平安志愿者", W, F.SAFETY, Stage.ACTIVITY_PROJECTS, ACTIVE, "胡国强"),),
        (("夜间巡逻", Category.BLUE_GUARD, TargetGroup.EVERYONE),
         ("邻里节", Category.ORANGE_ENVOYS, TargetGroup.FAMILIES)),
    ),
)  # fmt: skip


async def seed_neighbours(orgs: OrgsHandlers, needs: NeedsHandlers, claims: ClaimsHandlers | None) -> None:
    """Each neighbour community: its organizations, its needs (the first accepted and made into a published item
    that its first organization claims, the last rejected), unless it has needs already."""
    now = datetime.now(UTC)
    for neighbour in NEIGHBOURHOOD:
        community = neighbour.community_id
        staff = Principal("demo-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({community}))
        organization_ids = [
            await _organization(orgs, staff, community, spec, key=f"demo-{community}-org-{index}")
            for index, spec in enumerate(neighbour.organizations)
        ]
        if await needs.store.count_needs(NeedQuery([community])):
            continue
        need_ids = []
        for index, (title, category, group) in enumerate(neighbour.needs):
            resident = Principal(f"demo-resident-{community}-{index}", frozenset({Role.RESIDENT}), frozenset({community}))
            draft = NeedDraft(community, title, "", category, (group,), NeedSource.RESIDENT, "", anonymous=False)
            need_ids.append((await needs.submit_need(resident, draft, idempotency_key=f"demo-{community}-need-{index}")).id)
        await needs.accept_need(staff, need_ids[0])
        if len(need_ids) > 2:
            await needs.reject_need(staff, need_ids[-1], "已由街道统一安排")
        title, category, group = neighbour.needs[0]
        item = await needs.create_item(
            staff,
            ItemDraft(
                community, (need_ids[0],), ItemKind.ACTIVITY, category, title, "", ("居民满意",), (group,),
                (NeedsBudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 50_000),),
                Schedule(date(2026, 12, 1), date(2027, 3, 31), "每月一次"),
                ClaimWindow(now - timedelta(days=10), now + timedelta(days=60)),
                frozenset({ClaimantKind.SOCIAL_ORGANIZATION, ClaimantKind.RESIDENT}), frozenset({SupportKind.VENUE}),
            ),
            idempotency_key=f"demo-{community}-item",
        )  # fmt: skip
        await needs.publish_item(staff, item.id)
        if claims is None:
            continue
        await until_board(claims, item.id)
        await until_card(claims, organization_ids[0])
        leader = Principal(
            f"demo-leader-{organization_ids[0]}", frozenset({Role.ORG_LEADER}), frozenset({community}), organization=organization_ids[0]
        )
        proposal = Proposal(
            "每月一次，志愿者轮流负责", "按月", ("队长", "副队长"), (BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 40_000),)
        )
        await claims.submit_claim(leader, item.id, organization_ids[0], proposal, idempotency_key=f"demo-{community}-claim")


async def _organization(
    orgs: OrgsHandlers, staff: Principal, community: str, spec: tuple[str, Purpose, F, Stage, FilingStatus, str], *, key: str
) -> str:
    name, purpose, field, stage, status, leader = spec
    head, members = team(leader, (f"{leader[0]}副队长", f"{leader[0]}联络员"))
    registered_as = FILED if status is FILED else ACTIVE  # a new organization is filed or active; dormant comes later
    profile = Profile(name, purpose, (field,))
    draft = OrganizationDraft(
        community, OrganizationKind.SOCIAL_ORGANIZATION, date(2018, 5, 1), profile, head, members, stage=stage, status=registered_as
    )
    organization = await orgs.register_organization(staff, draft, idempotency_key=key)
    if status is DORMANT and organization.status is not DORMANT:
        await orgs.change_status(staff, organization.id, "suspend", effective_on=date(2024, 1, 1), reason="骨干成员搬离，暂停活动")
    return organization.id
