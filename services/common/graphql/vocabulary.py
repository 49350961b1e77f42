"""GraphQL enums for the shared vocabulary, registered once for every subgraph that uses them."""

from __future__ import annotations

import strawberry

from services.common.vocabulary import ClaimantKind, FundSource

__all__ = ["ClaimantKind", "FundSource"]

strawberry.enum(FundSource, description="PARTY_SERVICE_FUND 党组织服务群众经费, COMMUNITY_WELFARE_FUND 社区公益金, or OTHER (named).")
strawberry.enum(
    ClaimantKind,
    description="Who may claim (认领): SOCIAL_ORGANIZATION 社区社会组织, UNIT 辖区单位, RESIDENT, PARTNER_ORGANIZATION (outside NGO).",
)
