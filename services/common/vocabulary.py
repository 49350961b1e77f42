"""Domain words more than one service uses: who may claim, which funds pay, and the 五色土 categories."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Category", "ClaimantKind", "FundSource"]


class FundSource(StrEnum):
    """Named funds items are paid from."""

    PARTY_SERVICE_FUND = "party_service_fund"  # 党组织服务群众经费
    COMMUNITY_WELFARE_FUND = "community_welfare_fund"  # 社区公益金
    OTHER = "other"  # another named source


class ClaimantKind(StrEnum):
    """Who may claim (认领) an item."""

    SOCIAL_ORGANIZATION = "social_organization"  # 社区社会组织
    UNIT = "unit"  # 辖区单位
    RESIDENT = "resident"
    PARTNER_ORGANIZATION = "partner_organization"  # outside partner NGO


class Category(StrEnum):
    """情暖五色土: the five colors, plus other areas the article names."""

    RED_CLASSROOM = "red_classroom"  # 红色课堂 community education
    GREEN_GUARDIANS = "green_guardians"  # 绿色卫士 environment, greening, waste
    PINK_STATION = "pink_station"  # 粉色驿站 wellbeing and happiness
    ORANGE_ENVOYS = "orange_envoys"  # 橙色使者 neighbourly harmony, mediation
    BLUE_GUARD = "blue_guard"  # 蓝色守护 care for the elderly, disabled, children; safety
    OTHER = "other"
