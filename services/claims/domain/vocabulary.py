"""The claims service's vocabulary."""

from __future__ import annotations

from enum import StrEnum

from services.common.vocabulary import ClaimantKind, FundSource

__all__ = ["AttendeeRole", "ClaimStatus", "ClaimantKind", "DecisionOutcome", "FundSource", "Grade", "MeetingStatus"]


class ClaimStatus(StrEnum):
    """Where a claim stands."""

    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    TRAINING = "training"
    IMPLEMENTING = "implementing"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    TERMINATED = "terminated"


class MeetingStatus(StrEnum):
    """Where an intention meeting stands."""

    SCHEDULED = "scheduled"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"


class AttendeeRole(StrEnum):
    """Who sits at the intention meeting."""

    RESIDENT_REPRESENTATIVE = "resident_representative"  # 居民代表
    STAFF = "staff"
    CLAIMANT = "claimant"
    PARTY_MEMBER = "party_member"
    OTHER = "other"


class DecisionOutcome(StrEnum):
    """What the meeting decided for a claim."""

    APPROVED = "approved"
    REJECTED = "rejected"


class Grade(StrEnum):
    """Overall grade of a summary evaluation (总结评估)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"
