"""GraphQL enums for the shared vocabulary, registered once for every subgraph that uses them."""

from __future__ import annotations

import strawberry

from services.common.vocabulary import Category, ClaimantKind, FundSource

__all__ = ["Category", "ClaimantKind", "FundSource"]

strawberry.enum(FundSource, description="PARTY_SERVICE_FUND 党组织服务群众经费, COMMUNITY_WELFARE_FUND 社区公益金, or OTHER (named).")
strawberry.enum(
    ClaimantKind,
    description="Who may claim (认领): SOCIAL_ORGANIZATION 社区社会组织, UNIT 辖区单位, RESIDENT, PARTNER_ORGANIZATION (outside NGO).",
)
strawberry.enum(
    Category,
    description="情暖五色土 service category: RED_CLASSROOM 红色课堂 education, GREEN_GUARDIANS 绿色卫士 environment, PINK_STATION 粉色驿站 wellbeing, ORANGE_ENVOYS 橙色使者 harmony and mediation, BLUE_GUARD 蓝色守护 care and safety, OTHER.",
)
