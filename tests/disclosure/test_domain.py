"""Pure rules of the disclosure service: what stays public, how claimants are named, what each event adds to reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.domain import Invalid
from services.common.events import new_event
from services.disclosure.domain import (
    Period,
    PublicAmount,
    PublicClaim,
    PublicItem,
    ReportTables,
    claimant_label,
    facts_of,
    fund_totals,
    still_public,
)

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def test_open_records_stay_public_and_closed_ones_for_the_period() -> None:
    assert still_public(None, now=NOW, period_days=1)
    assert still_public(NOW - timedelta(days=30), now=NOW, period_days=30)
    assert not still_public(NOW - timedelta(days=31), now=NOW, period_days=30)


def test_a_resident_claimant_is_never_named() -> None:
    assert claimant_label("resident", "王秀兰") == "居民个人认领"
    assert claimant_label("social_organization", "夕阳天使志愿服务队") == "夕阳天使志愿服务队"
    assert claimant_label("unit", None) == "居民个人认领"


def test_fund_totals_add_budgets_approvals_and_payments_per_source() -> None:
    claim = PublicClaim("c", "i", "队", "SOCIAL_ORGANIZATION", "APPROVED", NOW, (PublicAmount("P", 80),), (), 0, None, None)
    item = PublicItem("i", "c1", "t", "PROJECT", "RED", "PUBLISHED", NOW, None, (PublicAmount("P", 100), PublicAmount("W", 50)), (claim,))

    (p, w) = fund_totals([item])

    assert (p.fund_source, p.budgeted_fen, p.approved_fen, p.disbursed_fen) == ("P", 100, 80, 0)
    assert (w.fund_source, w.budgeted_fen, w.approved_fen) == ("W", 50, 0)


def test_a_disbursement_is_dated_by_the_day_it_was_paid_and_goes_to_the_ledger() -> None:
    event = new_event(
        "claims.project.funds_disbursed.v1",
        service="claims",
        community="c1",
        time=NOW,
        data={
            "claim_id": "c",
            "item_id": "i",
            "status": "implementing",
            "disbursement_id": "d1",
            "amount_fen": 300,
            "fund_source": "party_service_fund",
            "on": "2026-02-28",
        },
    )

    facts = facts_of(event, item_category="GREEN_GUARDIANS", item_title="楼道绿化", claimant="队", claim_status="implementing")

    assert [(f.table, f.key, f.value, f.day) for f in facts] == [
        ("funds", ("PARTY_SERVICE_FUND", "GREEN_GUARDIANS", "disbursed"), 300, "2026-02-28"),
        ("disbursements", ("d1",), 300, "2026-02-28"),
    ]
    assert facts[1].row["item_title"] == "楼道绿化"


def test_a_claims_event_whose_status_differs_from_the_last_one_is_a_change_of_state() -> None:
    event = new_event(
        "claims.project.training_recorded.v1", service="claims", community="c1", time=NOW, data={"claim_id": "c", "status": "training"}
    )

    assert [f.key for f in facts_of(event, item_category=None, item_title=None, claimant=None, claim_status="approved")] == [("TRAINING",)]
    assert facts_of(event, item_category=None, item_title=None, claimant=None, claim_status="training") == []


def test_the_day_of_an_event_is_the_districts_calendar_day() -> None:
    late = new_event(
        "needs.need.submitted.v1",
        service="needs",
        community="c1",
        time=datetime(2026, 2, 28, 17, 0, tzinfo=UTC),
        data={"category": "red_classroom"},
    )

    assert facts_of(late, item_category=None, item_title=None, claimant=None)[0].day == "2026-03-01"  # 01:00 in Beijing


def test_tables_pivot_their_measures_and_sort_their_rows() -> None:
    tables = ReportTables()
    for key, value in [(("B", "raised"), 1), (("A", "resolved"), 1), (("B", "raised"), 1)]:
        tables.add("needs", key, value)
    tables.add("volunteer_hours", ("A",), 1.25)
    tables.add("volunteer_hours", ("A",), 2)

    assert list(tables.rows("needs")) == [("A", 0, 1), ("B", 2, 0)]
    assert list(tables.rows("volunteer_hours")) == [("A", 3.25)]


@pytest.mark.parametrize(
    ("start", "end", "field"), [("2026-03-31", "2026-03-01", "to"), ("2026-3-1", "2026-03-31", "from"), ("2000-01-01", "2030-01-01", "to")]
)
def test_a_bad_period_is_refused_naming_the_field(start: str, end: str, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        Period.parse(start, end)
    assert refused.value.field == field
