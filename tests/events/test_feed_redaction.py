"""The partner feed's redaction rules (pure): what an erasure and the retention sweep leave of a stored event's data."""

from __future__ import annotations

from services.common.privacy import pseudonym
from services.events.privacy import redacted, without_person

DATA = {
    "need_id": "n1",
    "title": "楼道灯坏了",
    "submitter_id": "li",
    "supporter_ids": ["wang", "li"],
    "actor": "staff-1",
    "status": "accepted",
    "changes": {"members": {"old": [{"name": "李秀英", "phone": "138", "account": "li"}], "new": []}},
    "budget": [{"fund_source": "party_service_fund", "amount_fen": 50_000}],
}


def test_an_erasure_replaces_her_account_everywhere_and_blanks_a_record_linked_to_it_but_nothing_else() -> None:
    erased = without_person(DATA, "li")

    assert erased["submitter_id"] == pseudonym("li")
    assert erased["supporter_ids"] == ["wang", pseudonym("li")]
    assert erased["changes"]["members"]["old"] == [{"name": "已匿名", "phone": "已匿名", "account": pseudonym("li")}]
    assert {k: erased[k] for k in ("need_id", "title", "actor", "status", "budget")} == {
        k: DATA[k] for k in ("need_id", "title", "actor", "status", "budget")
    }
    assert without_person(erased, "li") == erased
    assert without_person(DATA, "nobody") == DATA


def test_past_the_retention_period_every_personal_field_goes_and_every_figure_stays() -> None:
    swept = redacted(DATA)

    assert swept["submitter_id"] == pseudonym("li")
    assert swept["supporter_ids"] == [pseudonym("wang"), pseudonym("li")]
    assert swept["actor"] == pseudonym("staff-1")
    assert swept["changes"]["members"] == {"old": [{"name": "已匿名", "phone": "已匿名", "account": "已匿名"}], "new": []}
    assert (swept["title"], swept["status"], swept["budget"]) == (DATA["title"], DATA["status"], DATA["budget"])
    assert redacted(swept) == swept
