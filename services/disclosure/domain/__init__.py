"""The pure domain of the disclosure service: what is public, and what reports add up."""

from services.disclosure.domain.access import require_district_admin, require_report_reader
from services.disclosure.domain.notice import (
    CLOSED_ITEM_STATES,
    DEFAULT_PERIOD_DAYS,
    MAX_PERIOD_DAYS,
    FundTotals,
    PublicAmount,
    PublicClaim,
    PublicDecision,
    PublicDisbursement,
    PublicItem,
    PublicMeeting,
    PublicNotice,
    claimant_label,
    fund_totals,
    published_minutes,
    still_public,
)
from services.disclosure.domain.report import AGGREGATE_TABLES, LEDGER, TABLE_COLUMNS, Fact, Period, ReportTables, facts_of

__all__ = [
    "AGGREGATE_TABLES",
    "CLOSED_ITEM_STATES",
    "DEFAULT_PERIOD_DAYS",
    "LEDGER",
    "MAX_PERIOD_DAYS",
    "TABLE_COLUMNS",
    "Fact",
    "FundTotals",
    "Period",
    "PublicAmount",
    "PublicClaim",
    "PublicDecision",
    "PublicDisbursement",
    "PublicItem",
    "PublicMeeting",
    "PublicNotice",
    "ReportTables",
    "claimant_label",
    "facts_of",
    "fund_totals",
    "published_minutes",
    "require_district_admin",
    "require_report_reader",
    "still_public",
]
