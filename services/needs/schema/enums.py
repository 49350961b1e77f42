"""GraphQL enums of the needs subgraph, made from the domain's vocabulary."""

from __future__ import annotations

from enum import Enum

import strawberry

from services.common.graphql.vocabulary import Category, ClaimantKind, FundSource
from services.needs.domain import (
    ItemKind,
    ItemStatus,
    NeedSource,
    NeedStatus,
    Priority,
    SupportKind,
    TargetGroup,
)

__all__ = [
    "Category",
    "ClaimantKind",
    "FundSource",
    "ItemKind",
    "ItemStatus",
    "NeedSort",
    "NeedSource",
    "NeedStatus",
    "Priority",
    "SupportKind",
    "TargetGroup",
]

strawberry.enum(TargetGroup, description="Who is served; 一老一小 (ELDERLY, CHILDREN) are the two most served groups.")
strawberry.enum(
    NeedSource, description="How a need was collected (需求征集): from a resident, a survey, a grid worker, the committee, or a unit."
)
strawberry.enum(NeedStatus, description="Need status: SUBMITTED → UNDER_REVIEW → ACCEPTED | REJECTED | MERGED → PLANNED → RESOLVED.")
strawberry.enum(Priority, description="Staff's judgement of urgency after analysis.")
strawberry.enum(ItemKind, description="ACTIVITY 活动 (one-off or recurring) or PROJECT 项目 (longer work with a plan).")
strawberry.enum(
    ItemStatus,
    description=(
        "Service item status: DRAFT → PUBLISHED → CLAIMED → IN_PROGRESS → COMPLETED → EVALUATED; CANCELLED from draft, published or"
        " halted. A terminated claim frees its slot: the item goes back to PUBLISHED while the claim window is open, completes with"
        " the claims that finished, or is HALTED when every approved claim was terminated after the window closed (staff then"
        " reopenServiceItem or cancelServiceItem)."
    ),
)
strawberry.enum(SupportKind, description="Support the community offers a claimant.")


@strawberry.enum(description="Order of a needs list.")
class NeedSort(Enum):
    NEWEST = "newest"
    MOST_SUPPORTED = "most_supported"
