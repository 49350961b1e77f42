"""Domain words more than one service uses: who may claim, and which funds pay."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ClaimantKind", "FundSource"]


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
