"""Erasing personal values from sealed audit entries (个人信息保护法) without breaking the chain.

Pure code. An erased value and its salt are deleted; its digest stays, with when and why, so the
entry's hash still holds (:mod:`services.audit.domain.sealing`). Only version 2 entries can be
erased: a version 1 entry's hash covers its values themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.audit.domain.entry import AuditEntry, Change
from services.audit.domain.sealing import ACTOR, Sealed

__all__ = ["ERASURE", "RETENTION", "erased", "mentions", "naming", "unerased"]

ERASURE = "erasure_requested"
"""Why a value was erased: the resident asked (``orgs.subject.erasure_requested.v1``)."""

RETENTION = "retention_period"
"""Why a value was erased: her district's retention period passed."""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def unerased(entry: AuditEntry) -> list[str]:
    """The slots whose personal value is still kept (a null value has nothing to erase)."""
    return [key for key, value in entry.personal() if key in entry.sealed and not entry.sealed[key].erased and value is not None]


def mentions(entry: AuditEntry) -> list[str]:
    """Every text in the entry's unerased personal values (accounts, names, phones), for finding her entries by index."""
    values = dict(entry.personal())
    return sorted({text for key in unerased(entry) for text in _strings(values[key])})


def naming(entry: AuditEntry, person: str) -> list[str]:
    """The slots an erasure for ``person`` (her account) erases: all personal values of an entry she made (her own
    words go too), otherwise each personal value naming her account (as itself, in a list, in a record)."""
    values = dict(entry.personal())
    if entry.actor == person and not entry.erased(ACTOR):
        return unerased(entry)
    return [key for key in unerased(entry) if person in _strings(values[key])]


def erased(entry: AuditEntry, keys: Iterable[str], *, at: datetime, why: str) -> AuditEntry:
    """The entry with the values of these slots and their salts deleted (digests kept, with when and why)."""
    chosen = [key for key in keys if key in entry.sealed and not entry.sealed[key].erased]
    if not chosen:
        return entry
    sealed = dict(entry.sealed)
    for key in chosen:
        sealed[key] = Sealed(sealed[key].digest, None, at, why)
    changes = list(entry.changes)
    for key in chosen:
        if key == ACTOR:
            continue
        _, index, side = key.split(".")
        change = changes[int(index)]
        changes[int(index)] = Change(change.field, None, change.new) if side == "old" else Change(change.field, change.old, None)
    actor = None if ACTOR in chosen else entry.actor
    return replace(entry, actor=actor, changes=tuple(changes), sealed=sealed)
