"""The needs service's vocabulary: the closed lists of DOMAIN.md as enums."""

from __future__ import annotations

from enum import StrEnum

from services.common.vocabulary import Category, ClaimantKind, FundSource

__all__ = ["Category", "ClaimantKind", "FundSource", "ItemKind", "ItemStatus", "NeedSource", "Priority", "SupportKind", "TargetGroup"]


class TargetGroup(StrEnum):
    """Who a need or item serves; 一老一小 are the two most served."""

    ELDERLY = "elderly"
    CHILDREN = "children"
    YOUTH = "youth"
    DISABLED = "disabled"
    FAMILIES = "families"
    VETERANS = "veterans"
    NEWCOMERS = "newcomers"
    EVERYONE = "everyone"


class NeedSource(StrEnum):
    """How the need was collected (需求征集)."""

    RESIDENT = "resident"
    SURVEY = "survey"
    GRID_WORKER = "grid_worker"
    COMMITTEE = "committee"
    UNIT = "unit"


class Priority(StrEnum):
    """Staff's judgement after analysis."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ItemKind(StrEnum):
    """活动 (one-off or recurring event) or 项目 (longer work with a plan)."""

    ACTIVITY = "activity"
    PROJECT = "project"


class SupportKind(StrEnum):
    """Support the community offers the claimant."""

    VENUE = "venue"
    FUNDS = "funds"
    TRAINING = "training"
    PUBLICITY = "publicity"
    MENTOR = "mentor"


class ItemStatus(StrEnum):
    """Where a service item stands."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    HALTED = "halted"  # every approved claim was terminated after the window closed: reopen or cancel
    CANCELLED = "cancelled"
