"""GraphQL enums of the claims subgraph."""

from __future__ import annotations

import strawberry

from services.claims.domain import AttendeeRole, ClaimStatus, DecisionOutcome, Grade, MeetingStatus
from services.common.graphql.vocabulary import ClaimantKind, FundSource

__all__ = ["AttendeeRole", "ClaimStatus", "ClaimantKind", "DecisionOutcome", "FundSource", "Grade", "MeetingStatus"]

strawberry.enum(
    ClaimStatus,
    description="Claim status: SUBMITTED → SHORTLISTED → APPROVED | REJECTED | WITHDRAWN; after approval TRAINING 培训 → IMPLEMENTING 实施 → "
    "COMPLETED → EVALUATED 总结评估; TERMINATED at any point after approval.",
)
strawberry.enum(MeetingStatus, description="Intention meeting status: SCHEDULED → CONCLUDED | CANCELLED.")
strawberry.enum(
    AttendeeRole,
    description="Who sits at the intention meeting: resident representatives (居民代表), staff, claimants, party members, others.",
)
strawberry.enum(DecisionOutcome, description="What the intention meeting decided for a claim.")
strawberry.enum(
    Grade,
    description="Overall grade of the summary evaluation: EXCELLENT ≥ 4.5, GOOD ≥ 3.5, PASS ≥ 2.5, else FAIL (see ClaimEvaluation.overallScore).",
)
