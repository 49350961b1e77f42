"""Audit entries: what changed, derived from a domain event, and the hash chain that makes them tamper-evident.

Pure code. Each event becomes one entry about the record it names (its ``subject``): who,
when, and each field's old and new value — the status, stage and leader transitions the
events carry (``previous_*`` pairs), the ``changes: {field: {old, new}}`` every edit carries
(a profile, a member, a classification, a revision, a rating, a replan…), and for an event
that creates or adds something without either, each value it recorded (old value null). Entries of a community
form one chain: each entry's hash covers its content and the previous entry's hash, so
altering, removing or reordering any entry breaks every hash after it.

Version 2 entries (every entry drafted now) cover each personal value — the actor, each change of
a personal field (:func:`is_personal`) and a meeting's minutes — by a salted digest
(:mod:`services.audit.domain.sealing`), so the value can be erased (个人信息保护法) and the chain still
verifies; version 1 entries, sealed before, cover the values themselves and keep doing so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.audit.domain.sealing import ACTOR, Sealed, digest, new_salt, slot
from services.common.events import Event

__all__ = [
    "GENESIS",
    "MEETING_TEXTS",
    "PERSONAL_FIELDS",
    "VERSION",
    "AuditEntry",
    "ChainCheck",
    "Change",
    "draft_entry",
    "is_personal",
    "masked",
    "seal",
    "verify",
]

VERSION = 2
"""The content hash rule of entries drafted now (1: personal values hashed themselves; 2: by salted digests)."""

GENESIS = "0" * 64
"""The previous hash of a community's first entry."""

PERSONAL_FIELDS = frozenset(
    {
        "actor",
        "person",
        "phone",
        "address",
        "mentors",
        "team",
        "members",
        "submitter_id",
        "leader_name",
        "name_of_person",
        "trainer",
        "attendees",
        "rating_comment",
        "supervisor",
        "supporter_ids",
        "acting_accounts",
        "member_accounts",
        "person_id",
        "attendee_ids",
        "confirmed_by",
        "recorded_by",
        "filename",
        "real_name",
        "display_name",
        "id_number",
    }
)
"""Fields whose values are personal data: masked for readers who may not see them.

A field path names its parts with dots (``members.<id>``, ``trainings.<id>.trainer``): it is
personal when any part is (a member's whole record, a training's trainer). An evidence file's
``filename`` is the uploader's own words and may name residents (``李秀英的活动照片.jpg``).
"""

MASK = "***"

_RECORD_TYPES = (
    ("needs.need.", "Need"),
    ("needs.item.", "ServiceItem"),
    ("claims.meeting.", "IntentionMeeting"),
    ("claims.", "Claim"),
    ("orgs.org.", "Organization"),
    ("orgs.application.", "OrganizationApplication"),
    ("orgs.community.", "Community"),
    ("orgs.street.", "Street"),
    ("orgs.district.", "District"),
    ("evidence.", "Evidence"),
    ("disclosure.period.", "DisclosurePeriod"),
    ("people.sessions.", "ActivitySeries"),
    ("people.volunteer.", "Volunteer"),
    ("people.certificate.", "VolunteerCertificate"),
    ("people.attendance.", "Attendance"),
    ("people.", "ActivitySession"),
)
_PAIRS = (
    ("status", "previous_status"),
    ("stage", "previous_stage"),
    ("leader_member_id", "previous_leader_member_id"),
    ("days", "previous_days"),
)
_CONTEXT = frozenset({"community_id", "actor", "changed", "changes", "aggregate_version", "created_on", "submitted_on"})
"""Event data that says where and when, not what changed (``aggregate_version``, ``created_on`` and ``submitted_on``
are the facts the statistics counters move by)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One field's old and new value (JSON values; old is null when the event set it first)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change to one record, chained to the community's previous entry."""

    community_id: str
    record_type: str
    record_id: str
    event_id: str
    event_type: str
    actor: str | None
    at: datetime
    changes: tuple[Change, ...]
    seq: int = 0
    previous_hash: str = GENESIS
    hash: str = ""
    version: int = 1
    sealed: Mapping[str, Sealed] = field(default_factory=dict)
    """Version 2: each personal value's slot (``actor``, ``changes.<i>.old|new``) and its digest, salt, erasure."""

    def personal(self) -> Iterator[tuple[str, Any]]:
        """Each personal slot and its value (null values included)."""
        yield ACTOR, self.actor
        meeting = self.record_type == "IntentionMeeting"
        for index, change in enumerate(self.changes):
            if is_personal(change.field) or (meeting and change.field in MEETING_TEXTS):
                yield slot(index, "old"), change.old
                yield slot(index, "new"), change.new

    def erased(self, key: str) -> bool:
        """Whether the value in this slot was erased."""
        sealed = self.sealed.get(key)
        return sealed is not None and sealed.erased

    def intact(self) -> bool:
        """Every personal value kept beside its digest is the one digested (an erased one is gone)."""
        return all(self.sealed[key].holds(value) for key, value in self.personal() if key in self.sealed) and set(self.sealed) <= {
            key for key, _ in self.personal()
        }

    def content(self) -> dict[str, Any]:
        """What the hash covers (everything but the hash itself; version 2: personal values by their digests)."""
        if self.version == 1:
            return self._content_v1()

        def covered(key: str, value: Any) -> Any:
            sealed = self.sealed.get(key)
            return {"sha256": sealed.digest} if sealed is not None else value

        return {
            "version": self.version,
            "community_id": self.community_id,
            "seq": self.seq,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "actor": covered(ACTOR, self.actor),
            "at": self.at.isoformat(),
            "changes": [[c.field, covered(slot(i, "old"), c.old), covered(slot(i, "new"), c.new)] for i, c in enumerate(self.changes)],
            "previous_hash": self.previous_hash,
        }

    def _content_v1(self) -> dict[str, Any]:
        return {
            "community_id": self.community_id,
            "seq": self.seq,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "changes": [[c.field, c.old, c.new] for c in self.changes],
            "previous_hash": self.previous_hash,
        }

    def computed_hash(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`content`."""
        canonical = json.dumps(self.content(), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def draft_entry(event: Event, *, salt: Callable[[], str] = new_salt) -> AuditEntry:
    """The entry an event makes, not yet chained; each personal value sealed by a salted digest."""
    key, data = event.routing_key, event.data
    record_type = next((name for prefix, name in _RECORD_TYPES if key.startswith(prefix)), key.split(".")[1].title())
    pairs = [Change(field, data.get(previous), data.get(field)) for field, previous in _PAIRS if previous in data]
    profile = data.get("changes")
    if isinstance(profile, Mapping):
        pairs += [Change(str(field), value.get("old"), value.get("new")) for field, value in profile.items() if isinstance(value, Mapping)]
    if not pairs:
        pairs = [Change(field, None, value) for field, value in sorted(data.items()) if field not in _CONTEXT and value != event.subject]
    actor = data.get("actor")
    entry = AuditEntry(
        community_id=event.community,
        record_type=record_type,
        record_id=event.subject or str(data.get("id", "")),
        event_id=event.id,
        event_type=key,
        actor=actor if isinstance(actor, str) else None,
        at=event.time,
        changes=tuple(pairs),
        version=VERSION,
    )
    sealed: dict[str, Sealed] = {}
    for place, value in entry.personal():
        if value is not None:
            fresh = salt()
            sealed[place] = Sealed(digest(fresh, value), fresh)
    return replace(entry, sealed=sealed)


def seal(entry: AuditEntry, *, seq: int, previous_hash: str) -> AuditEntry:
    """The entry as the ``seq``-th of its community's chain, with its hash."""
    placed = replace(entry, seq=seq, previous_hash=previous_hash)
    return replace(placed, hash=placed.computed_hash())


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The outcome of checking a chain: how many entries, and the first that does not hold."""

    checked: int
    broken_at: int | None
    head_hash: str

    @property
    def valid(self) -> bool:
        """No entry was altered, removed or reordered."""
        return self.broken_at is None


def verify(entries: Iterable[AuditEntry], *, start_seq: int = 1, previous_hash: str = GENESIS) -> ChainCheck:
    """Recompute the chain in order: each entry must follow the previous one and hash to what it says."""
    checked, expected_seq, previous = 0, start_seq, previous_hash
    for entry in entries:
        if entry.seq != expected_seq or entry.previous_hash != previous or entry.computed_hash() != entry.hash or not entry.intact():
            return ChainCheck(checked, expected_seq, previous)
        checked, expected_seq, previous = checked + 1, expected_seq + 1, entry.hash
    return ChainCheck(checked, None, previous)


def is_personal(field: str) -> bool:
    """Whether a field's values are personal data (see :data:`PERSONAL_FIELDS`)."""
    return any(part in PERSONAL_FIELDS for part in field.split("."))


MEETING_TEXTS = frozenset({"minutes", "public_minutes"})
"""A meeting's minutes as staff wrote them may name residents: masked like personal fields."""


def masked(entry: AuditEntry) -> AuditEntry:
    """The entry with personal values hidden (the hash stays: it was computed over the real values or their digests)."""
    meeting = entry.record_type == "IntentionMeeting"
    changes = tuple(
        Change(c.field, MASK if c.old is not None else None, MASK if c.new is not None else None)
        if is_personal(c.field) or (meeting and c.field in MEETING_TEXTS)
        else c
        for c in entry.changes
    )
    return replace(entry, actor=MASK if entry.actor is not None else None, changes=changes)
