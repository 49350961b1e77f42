"""The partner feed's redaction rules (pure), and the erasure and the sweep over a stored feed: what an erasure and the retention sweep leave of a stored event's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.events import new_event
from services.common.privacy import pseudonym
from services.common.store.memory import MemoryDatabase, MemoryServer
from services.events import privacy
from services.events.privacy import redacted, texts_blanked, without_person
from services.events.store import EventsStore

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


def test_her_own_words_in_an_event_she_made_are_blanked_with_their_old_and_new_values() -> None:
    rated = {
        "actor": "her",
        "rating_score": 4,
        "changes": {"rating_comment": {"old": None, "new": "李秀英：灯修好了"}, "rating_count": {"old": 0, "new": 1}},
    }
    assert texts_blanked(rated) == {
        "actor": "her",
        "rating_score": 4,
        "changes": {"rating_comment": {"old": None, "new": "已匿名"}, "rating_count": {"old": 0, "new": 1}},
    }
    assert redacted(rated)["changes"]["rating_comment"] == {"old": None, "new": "已匿名"}


def test_past_the_retention_period_every_personal_field_goes_and_every_figure_stays() -> None:
    swept = redacted(DATA)

    assert swept["submitter_id"] == pseudonym("li")
    assert swept["supporter_ids"] == [pseudonym("wang"), pseudonym("li")]
    assert swept["actor"] == pseudonym("staff-1")
    assert swept["changes"]["members"] == {"old": [{"name": "已匿名", "phone": "已匿名", "account": "已匿名"}], "new": []}
    assert (swept["title"], swept["status"], swept["budget"]) == (DATA["title"], DATA["status"], DATA["budget"])
    assert redacted(swept) == swept


async def test_an_erasure_and_a_sweep_go_through_a_long_feed_in_batches_and_keep_every_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privacy, "BATCH", 3)
    database = MemoryDatabase(MemoryServer(), "renling_events")
    store = EventsStore(database)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    feed = privacy.FeedPrivacy(database, store.feed, store.places, default_days=30, clock=lambda: now)
    for number in range(7):
        data = {"need_id": f"n{number}", "submitter_id": "li" if number % 2 == 0 else "wang", "location": "3号楼"}
        await store.append(new_event("needs.need.submitted.v1", service="needs", community="c1", data=data, time=now - timedelta(days=40)))
    await store.append(new_event("needs.need.submitted.v1", service="needs", community="c1", data={"submitter_id": "li"}, time=now))
    cursors = [(entry["_id"], entry["seq"]) for entry in await store.read({}, after=0, limit=100)]

    erased = await feed.erase("li")
    swept, again = await feed.anonymise_expired(), await feed.anonymise_expired()
    entries = await store.read({}, after=0, limit=100)

    assert erased == 5
    assert (swept, again) == (7, 0)
    assert [(entry["_id"], entry["seq"]) for entry in entries] == cursors
    assert [entry["data"]["submitter_id"] for entry in entries] == [pseudonym("li"), pseudonym("wang")] * 3 + [pseudonym("li")] * 2
    assert [entry["data"].get("location") for entry in entries] == ["已匿名"] * 7 + [None]
