"""Who is likely to claim an item, and which items fit an organization: a score that explains itself.

An organization fits an item when its fields match the item's category (情暖五色土 → activity
fields), when it claimed items of that category before and was evaluated well, when it has grown
further along the development path, and when it serves the item's community. Ineligible kinds and
dormant or dissolved organizations are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["CATEGORY_FIELDS", "ItemProfile", "OrgProfile", "Suggestion", "fit", "rank"]

CATEGORY_FIELDS: Mapping[str, frozenset[str]] = {
    "red_classroom": frozenset({"education", "children"}),
    "green_guardians": frozenset({"environment"}),
    "pink_station": frozenset({"culture_sports", "health"}),
    "orange_envoys": frozenset({"mediation", "military_civilian"}),
    "blue_guard": frozenset({"elderly_care", "disability", "safety", "children", "volunteer_service", "health"}),
    "other": frozenset(),
}
FIELD_NAMES = {
    "culture_sports": "文体", "volunteer_service": "志愿服务", "elderly_care": "养老", "children": "儿童", "education": "教育",
    "environment": "环境", "safety": "平安", "mediation": "调解", "health": "健康", "epidemic_prevention": "防疫",
    "military_civilian": "军民共建", "disability": "助残", "other": "其他",
}  # fmt: skip
STAGES = (
    "needs_assessment", "service_activities", "activity_projects", "project_organization", "public_welfare_organization",
    "socialized_public_welfare",
)  # fmt: skip
STAGE_NAMES = ("需求评估", "服务活动化", "活动项目化", "项目组织化", "组织公益化", "公益社会化")
ACTIVE = frozenset({"filed", "active"})


@dataclass(frozen=True, slots=True)
class ItemProfile:
    """What matching knows of an item."""

    id: str
    community_id: str
    title: str
    category: str
    eligible_kinds: frozenset[str]


@dataclass(frozen=True, slots=True)
class OrgProfile:
    """What matching knows of an organization, and its track record by category."""

    id: str
    community_id: str
    name: str
    kind: str
    status: str
    stage: str
    fields: frozenset[str] = frozenset()
    served: frozenset[str] = frozenset()
    claimed_categories: Mapping[str, int] = field(default_factory=dict)
    scores: Sequence[float] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A candidate, its score, and why."""

    id: str
    score: float
    reasons: tuple[str, ...]


def fit(item: ItemProfile, org: OrgProfile) -> Suggestion | None:
    """How well ``org`` fits ``item``; None when it may not or cannot claim it."""
    if org.status not in ACTIVE or (item.eligible_kinds and org.kind not in item.eligible_kinds):
        return None
    if item.community_id != org.community_id and item.community_id not in org.served:
        return None
    score, reasons = 0.0, []
    matching = sorted(org.fields & CATEGORY_FIELDS.get(item.category, frozenset()))
    if matching:
        score += 3.0
        reasons.append("领域相符：" + "、".join(FIELD_NAMES.get(name, name) for name in matching))
    before = org.claimed_categories.get(item.category, 0)
    if before:
        score += min(before, 2) * 1.5
        reasons.append(f"曾认领同类项目 {before} 次")
    if org.scores:
        average = sum(org.scores) / len(org.scores)
        score += average / 50
        reasons.append(f"以往评估平均 {average:.0f} 分")
    if org.stage in STAGES:
        step = STAGES.index(org.stage)
        score += step * 0.3
        reasons.append(f"发展阶段：{STAGE_NAMES[step]}")
    if org.community_id == item.community_id:
        score += 0.5
        reasons.append("本社区组织")
    else:
        reasons.append("服务本社区的外部组织")
    return Suggestion(org.id, round(score, 2), tuple(reasons))


def rank(pairs: Sequence[tuple[ItemProfile, OrgProfile]], *, key: str, limit: int) -> list[Suggestion]:
    """Score each (item, organization) pair; the best ``limit``, named by the item (``key="item"``) or the organization."""
    found = []
    for item, org in pairs:
        suggestion = fit(item, org)
        if suggestion is not None:
            found.append(Suggestion(item.id if key == "item" else org.id, suggestion.score, suggestion.reasons))
    found.sort(key=lambda suggestion: (-suggestion.score, suggestion.id))
    return found[:limit]
