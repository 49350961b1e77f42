"""The pure domain of the needs service: aggregates, state machines and rules, no I/O."""

from services.needs.domain.item import (
    ITEM_MACHINE,
    BudgetLine,
    ClaimWindow,
    ItemDraft,
    ItemStatus,
    Schedule,
    ServiceItem,
    draft_item,
)
from services.needs.domain.need import NEED_MACHINE, SUPPORTABLE, Need, NeedDraft, NeedStatus, submit
from services.needs.domain.vocabulary import (
    Category,
    ClaimantKind,
    FundSource,
    ItemKind,
    NeedSource,
    Priority,
    SupportKind,
    TargetGroup,
)

__all__ = [
    "ITEM_MACHINE",
    "NEED_MACHINE",
    "SUPPORTABLE",
    "BudgetLine",
    "Category",
    "ClaimWindow",
    "ClaimantKind",
    "FundSource",
    "ItemDraft",
    "ItemKind",
    "ItemStatus",
    "Need",
    "NeedDraft",
    "NeedSource",
    "NeedStatus",
    "Priority",
    "Schedule",
    "ServiceItem",
    "SupportKind",
    "TargetGroup",
    "draft_item",
    "submit",
]
