"""Needs of 左安浦园 in all five colors, submitted, supported and some accepted by staff."""

from __future__ import annotations

from services.common.identity import Principal, Role
from services.needs.domain import Category, NeedDraft, NeedSource, TargetGroup
from services.needs.handlers import NeedsHandlers
from services.needs.store import NeedQuery

__all__ = ["seed_needs"]

NEEDS = [
    ("为社区高龄老人办集体生日会", Category.BLUE_GUARD, (TargetGroup.ELDERLY,), "夕阳天使志愿服务队已办过多次，希望继续"),
    ("楼道堆物清理与垃圾分类指导", Category.GREEN_GUARDIANS, (TargetGroup.EVERYONE,), "3号楼楼道堆物多，存在消防隐患"),
    ("四点半课堂：放学后的作业辅导", Category.RED_CLASSROOM, (TargetGroup.CHILDREN,), "双职工家庭孩子放学后无人照看"),
    ("邻里纠纷调解：东门停车位", Category.ORANGE_ENVOYS, (TargetGroup.FAMILIES,), "东门停车位常起争执"),
    ("社区摄影展", Category.PINK_STATION, (TargetGroup.EVERYONE,), "掌上明珠摄影队愿意展出作品"),
]


async def seed_needs(needs: NeedsHandlers, community_id: str) -> None:
    """Submit, support and accept needs unless the community already has some."""
    if await needs.store.count_needs(NeedQuery([community_id])):
        return
    staff = Principal("demo-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({community_id}))
    for index, (title, category, groups, description) in enumerate(NEEDS):
        resident = Principal(f"demo-resident-{index}", frozenset({Role.RESIDENT}), frozenset({community_id}))
        draft = NeedDraft(community_id, title, description, category, groups, NeedSource.RESIDENT, "", anonymous=index == 3)
        need = await needs.submit_need(resident, draft, idempotency_key=f"demo-need-{index}")
        for supporter in range(index + 1):
            neighbour = Principal(f"demo-neighbour-{supporter}", frozenset({Role.RESIDENT}), frozenset({community_id}))
            await needs.support_need(neighbour, need.id)
        if index < 3:
            await needs.accept_need(staff, need.id)
