"""Demo data for the embedded mode, loaded through the services' own commands (events flow).

Until the orgs service lands, the places it would announce are published on the bus as
``orgs.community.registered.v1`` events, exactly as orgs will publish them. Idempotent: a
community that already has needs is not seeded again.
"""

from __future__ import annotations

from services.common.bus import Bus
from services.common.events import new_event
from services.common.identity import Principal, Role
from services.needs.domain import Category, NeedDraft, NeedSource, TargetGroup
from services.needs.handlers import NeedsHandlers
from services.needs.store import NeedQuery

__all__ = ["DISTRICT", "HOME", "PLACES", "load_demo"]

DISTRICT = "district-dongcheng"
HOME = "community-zuoanpuyuan"
PLACES = [
    (HOME, "左安浦园社区", "street-longtan", DISTRICT),
    ("community-longtanxili", "龙潭西里社区", "street-longtan", DISTRICT),
    ("community-tiyuguan", "体育馆路社区", "street-tiyuguan", DISTRICT),
]
NEEDS = [
    ("为社区老人办集体生日会", Category.BLUE_GUARD, (TargetGroup.ELDERLY,), "夕阳天使志愿服务队已办过多次，希望继续"),
    ("楼道堆物清理与垃圾分类指导", Category.GREEN_GUARDIANS, (TargetGroup.EVERYONE,), "3号楼楼道堆物多，存在消防隐患"),
    ("四点半课堂：放学后的作业辅导", Category.RED_CLASSROOM, (TargetGroup.CHILDREN,), "双职工家庭孩子放学后无人照看"),
    ("邻里纠纷调解：停车位", Category.ORANGE_ENVOYS, (TargetGroup.FAMILIES,), "东门停车位常起争执"),
    ("社区摄影展", Category.PINK_STATION, (TargetGroup.EVERYONE,), "掌上明珠摄影队愿意展出作品"),
]


async def load_demo(bus: Bus, needs: NeedsHandlers) -> None:
    """Register the places and submit, support and accept a few needs in 左安浦园."""
    for community_id, name, street_id, district_id in PLACES:
        data = {"community_id": community_id, "name": name, "street_id": street_id, "district_id": district_id}
        await bus.publish(new_event("orgs.community.registered.v1", service="orgs", community=community_id, data=data))
    await _seed_home(needs)


async def _seed_home(needs: NeedsHandlers) -> None:
    if await needs.store.count_needs(NeedQuery([HOME])):
        return
    staff = Principal("demo-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({HOME}))
    for index, (title, category, groups, description) in enumerate(NEEDS):
        resident = Principal(f"demo-resident-{index}", frozenset({Role.RESIDENT}), frozenset({HOME}))
        draft = NeedDraft(HOME, title, description, category, groups, NeedSource.RESIDENT, "", anonymous=index == 3)
        need = await needs.submit_need(resident, draft)
        for supporter in range(index + 1):
            neighbour = Principal(f"demo-neighbour-{supporter}", frozenset({Role.RESIDENT}), frozenset({HOME}))
            await needs.support_need(neighbour, need.id)
        if index < 3:
            await needs.accept_need(staff, need.id)
