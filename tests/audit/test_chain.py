"""The audit chain on its own: entries from events, the chain's checks, masking, and a writer stopped half-way."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from services.audit.domain import GENESIS, draft_entry, masked, seal, verify
from services.audit.store import AuditStore, entry_document
from services.common.events import Event, new_event
from services.common.store import connect
from services.common.store.memory import MemoryServer

AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def _event(n: int, **data: object) -> Event:
    return new_event(
        "needs.need.status_changed.v1", service="needs", community="c1", subject=f"n{n}", time=AT, data={"need_id": f"n{n}", **data}
    )


def test_a_transition_keeps_old_and_new_and_a_creation_its_values() -> None:
    moved = draft_entry(_event(1, status="accepted", previous_status="submitted", actor="staff-1"))
    created = draft_entry(
        new_event(
            "needs.need.submitted.v1",
            service="needs",
            community="c1",
            subject="n2",
            time=AT,
            data={"need_id": "n2", "title": "路灯", "actor": "r"},
        )
    )

    assert [(c.field, c.old, c.new) for c in moved.changes] == [("status", "submitted", "accepted")]
    assert (moved.record_type, moved.actor) == ("Need", "staff-1")
    assert [(c.field, c.old, c.new) for c in created.changes] == [("title", None, "路灯")]


def test_any_alteration_reordering_or_removal_breaks_the_chain_from_there() -> None:
    chain, previous = [], GENESIS
    for n in range(1, 5):
        entry = seal(draft_entry(_event(n, status="accepted", previous_status="submitted")), seq=n, previous_hash=previous)
        chain.append(entry)
        previous = entry.hash

    assert verify(chain).valid
    assert verify([*chain[:2], replace(chain[2], actor="someone-else"), chain[3]]).broken_at == 3
    assert verify([chain[0], chain[2], chain[1], chain[3]]).broken_at == 2
    assert verify([chain[0], *chain[2:]]).broken_at == 2


def test_masking_hides_the_actor_and_personal_fields_but_not_the_rest() -> None:
    entry = draft_entry(_event(1, status="accepted", previous_status="submitted", actor="resident-wang"))

    hidden = masked(entry)

    assert hidden.actor == "***"
    assert hidden.changes == entry.changes


async def test_a_writer_stopped_between_the_entry_and_the_head_is_completed_by_the_next() -> None:
    store = AuditStore(connect("memory://", memory=MemoryServer()).database("renling_audit"))
    await store.create_indexes()
    first = await store.append(_event(1, status="accepted", previous_status="submitted"))
    assert first is not None
    orphan = seal(draft_entry(_event(2, status="accepted", previous_status="submitted")), seq=2, previous_hash=first.hash)
    await store.entries.insert_one(entry_document(orphan))  # the head was never moved to it

    event = _event(3, status="accepted", previous_status="submitted")
    third = await store.append(event)
    again = await store.append(event)

    assert third is not None
    assert (third.seq, third.previous_hash) == (3, orphan.hash)
    assert again is None  # redelivered: recorded once
    entries = await store.of_community("c1", after_seq=0, limit=10)
    assert verify(entries).valid
    assert [e.seq for e in entries] == [1, 2, 3]
