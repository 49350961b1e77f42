"""Erasing personal values from the audit chain (个人信息保护法) without breaking it, and what still breaks it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.audit.domain import ERASURE, GENESIS, AuditEntry, Change, Sealed, draft_entry, erased, naming, seal, verify
from services.audit.domain.sealing import ACTOR, slot
from services.audit.privacy import AuditPrivacy
from services.audit.schema.root import AuditEntryType
from services.audit.store import AuditStore, entry_document, entry_from_document
from services.common.events import Event, new_event
from services.common.store import connect
from services.common.store.memory import MemoryServer

AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
LI, NAME, PHONE = "resident-li", "李秀英", "13800001111"


def _updated(n: int, *, actor: str, at: datetime = AT, members: list[dict[str, str]] | None = None) -> Event:
    """An organization's edit: its name (not personal) and its members (personal: names, phones, accounts)."""
    changes = {"name": {"old": f"旧名{n}", "new": f"新名{n}"}, "members": {"old": [], "new": members or []}}
    return new_event(
        "orgs.org.updated.v1", service="orgs", community="c1", subject=f"o{n}", time=at, data={"actor": actor, "changes": changes}
    )


def _chain(*events: Event) -> list[AuditEntry]:
    chain, previous = [], GENESIS
    for n, event in enumerate(events, start=1):
        entry = seal(draft_entry(event), seq=n, previous_hash=previous)
        chain.append(entry)
        previous = entry.hash
    return chain


def _hers() -> list[AuditEntry]:
    members = [{"name": NAME, "phone": PHONE, "account": LI}, {"name": "张大爷", "phone": "13900002222", "account": "zhang"}]
    return _chain(_updated(1, actor="staff-1"), _updated(2, actor="staff-1", members=members), _updated(3, actor=LI))


def test_an_erased_value_leaves_its_digest_the_chain_verifies_and_nothing_of_her_is_kept() -> None:
    chain = _hers()
    later = AT + timedelta(days=1)

    after = [erased(entry, naming(entry, LI), at=later, why=ERASURE) for entry in chain]

    assert verify(chain).valid
    assert verify(after).valid
    assert [e.hash for e in after] == [e.hash for e in chain]
    assert _text(after[0]) == _text(chain[0])  # names no one of hers: untouched
    assert (after[1].actor, after[1].changes[1]) == ("staff-1", Change("members", [], None))  # the record naming her account
    assert after[1].changes[0] == Change("name", "旧名2", "新名2")  # not personal: kept
    assert after[2].actor is None
    assert after[2].changes[1] == Change("members", None, None)
    assert after[2].sealed[ACTOR] == Sealed(chain[2].sealed[ACTOR].digest, None, later, ERASURE)
    assert [word for word in (LI, NAME, PHONE) if any(word in _text(e) for e in after)] == []
    assert LI in _text(chain[2])
    assert NAME in _text(chain[1])


def test_after_erasure_an_altered_value_digest_or_order_still_breaks_the_chain_at_that_entry() -> None:
    after = [erased(entry, naming(entry, LI), at=AT, why=ERASURE) for entry in _hers()]
    renamed = replace(after[1], changes=(Change("name", "旧名2", "别的名字"), after[1].changes[1]))
    forged_digest = replace(after[2], sealed={**after[2].sealed, ACTOR: Sealed("0" * 64, None, AT, ERASURE)})
    put_back = replace(after[2], actor="someone-else")
    kept = after[0]
    other_actor = replace(kept, actor="staff-2")  # an unerased personal value changed beside its digest
    resalted = replace(kept, sealed={**kept.sealed, ACTOR: Sealed(kept.sealed[ACTOR].digest, "f" * 32)})

    assert verify([after[0], renamed, after[2]]).broken_at == 2
    assert verify([*after[:2], forged_digest]).broken_at == 3
    assert verify([*after[:2], put_back]).broken_at == 3
    assert verify([other_actor, *after[1:]]).broken_at == 1
    assert verify([resalted, *after[1:]]).broken_at == 1
    assert verify([after[0], after[2], after[1]]).broken_at == 2
    assert verify([after[0], after[2]]).broken_at == 2


def test_entries_sealed_before_keep_their_hash_rule_and_verify() -> None:
    draft = draft_entry(_updated(1, actor=LI, members=[{"name": NAME}]))
    old = seal(replace(draft, version=1, sealed={}), seq=1, previous_hash=GENESIS)
    document = entry_document(old)

    assert "version" not in document
    assert "sealed" not in document
    assert verify([entry_from_document(document)]).valid
    assert verify([replace(entry_from_document(document), actor="someone-else")]).broken_at == 1
    assert naming(old, LI) == []  # its hash covers the values themselves: not erasable


def test_an_erased_value_reads_as_null_and_an_erased_actor_as_anonymised_to_everyone() -> None:
    after = erased(_hers()[2], naming(_hers()[2], LI), at=AT, why=ERASURE)

    shown = AuditEntryType.of(after)

    assert (shown.actor, shown.actor_erased, shown.erased) == ("已匿名", True, True)
    assert [(c.field, c.old_value, c.new_value, c.erased) for c in shown.changes] == [
        ("name", '"旧名3"', '"新名3"', False),
        ("members", None, None, True),
    ]


async def test_an_erasure_request_erases_her_values_in_the_store_once_and_the_chain_still_verifies() -> None:
    store, privacy = await _store(now=AT + timedelta(days=1), default_days=0)
    for event in (_updated(1, actor="staff-1", members=[{"name": NAME, "phone": PHONE, "account": LI}]), _updated(2, actor=LI)):
        await store.append(event)
    await store.append(_updated(3, actor="resident-wang", members=[{"name": "王阿姨", "account": "resident-wang"}]))

    changed = await privacy.erase(LI)
    again = await privacy.erase(LI)
    documents = await store.entries.find({})
    entries = await store.of_community("c1", after_seq=0, limit=10)

    assert (changed, again) == (2, 0)
    assert [word for word in (LI, NAME, PHONE) if word in json.dumps(documents, ensure_ascii=False, default=str)] == []
    assert entries[2].actor == "resident-wang"
    assert "王阿姨" in _text(entries[2])
    assert verify(entries).valid
    assert entries[0].sealed[slot(1, "new")].why == ERASURE


async def test_the_retention_sweep_erases_personal_values_past_the_period_and_keeps_newer_ones() -> None:
    now = AT + timedelta(days=31)
    store, privacy = await _store(now=now, default_days=30)
    await store.append(_updated(1, actor=LI, members=[{"name": NAME, "phone": PHONE}]))
    await store.append(_updated(2, actor="resident-wang", at=AT + timedelta(days=20), members=[{"name": "王阿姨"}]))

    swept = await privacy.anonymise_expired()
    again = await privacy.anonymise_expired()
    old, new = await store.of_community("c1", after_seq=0, limit=10)

    assert (swept, again) == (1, 0)
    assert (old.actor, old.changes) == (None, (Change("name", "旧名1", "新名1"), Change("members", None, None)))
    assert {key for key, sealed in old.sealed.items() if sealed.erased} == {ACTOR, slot(1, "old"), slot(1, "new")}
    assert (new.actor, new.changes[1].new) == ("resident-wang", [{"name": "王阿姨"}])
    assert verify([old, new]).valid


async def _store(*, now: datetime, default_days: int) -> tuple[AuditStore, AuditPrivacy]:
    database = connect("memory://", memory=MemoryServer()).database("renling_audit")
    store = AuditStore(database)
    await store.create_indexes()
    return store, AuditPrivacy(database, store, default_days=default_days, clock=lambda: now)


def _text(entry: AuditEntry) -> str:
    return json.dumps(entry_document(entry), ensure_ascii=False, default=str)
