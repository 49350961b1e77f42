"""Personal data in the partner feed (个人信息保护法): stored events redacted in place, their sequence kept.

The feed keeps every event so a partner can replay it; the events carry residents' account ids
(``actor``, ``submitter_id``, ``supporter_ids``, ``member_accounts``…) and sometimes names or
phones. When a resident asks for erasure (``orgs.subject.erasure_requested.v1``) every stored
event naming her account has it replaced by its pseudonym (and a name or phone next to her
account blanked); when an event is past its district's retention period every personal field it
carries is redacted, whoever it names. The event, its id, type, time and sequence number stay,
so a cursor still resumes where it did and a recount from the feed still counts each person once
(a pseudonym is stable). Pending webhook deliveries read the stored entry when they are sent, so
they send the redacted one.

Each entry is changed by one conditional update (still unredacted, or still naming her), so
a repeated request or sweep changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.common.events import Event
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED, ANONYMISED_AT, ERASURE_REQUESTED, EXPORT_REQUESTED, pseudonym
from services.common.retention import Expired, RetentionReadModel, on_privacy_event
from services.common.store import Collection, Database, Index
from services.events.store import FeedEntry

__all__ = ["ACCOUNT_KEYS", "TEXT_KEYS", "FeedPrivacy", "redacted", "texts_blanked", "without_person"]

ACCOUNT_KEYS = frozenset(
    {
        "actor", "person", "submitter_id", "supporter_ids", "member_accounts", "acting_accounts", "claimant_subject",
        "applicant", "attendee_ids", "resident", "recipient", "uploaded_by", "account",
    }
)  # fmt: skip
"""Keys whose values are account ids (a string or a list of them): pseudonymised."""

TEXT_KEYS = frozenset(
    {"phone", "location", "team", "members", "mentors", "leader_name", "name_of_person", "real_name", "display_name", "comment",
     "rating_comment"}
)  # fmt: skip
"""Keys whose values are residents' names, phones, addresses or words: blanked (names read ``已匿名``). A community's
``address`` (``orgs.community.registered.v1``) is its office's, not a resident's: it stays."""

BATCH = 500
"""Entries read per round of an erasure or a sweep (memory stays bounded on a feed of millions)."""

SEARCHED = ("actor", "person", "submitter_id", "supporter_ids", "member_accounts", "acting_accounts", "claimant_subject", "applicant")
"""The account keys an erasure looks her up by (each indexed); in an event found by them, any other place her account
appears is redacted too. An event naming a resident's account only under another key is not found: a new event field
holding an account belongs here (and in :data:`ACCOUNT_KEYS`)."""


def _pseudonymised(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.startswith("anonymised-") else pseudonym(value)
    if isinstance(value, list):
        return [_pseudonymised(item) for item in value]
    return value


def _blanked(value: Any) -> Any:
    if isinstance(value, str):
        return ANONYMISED if value else value
    if isinstance(value, list):
        return [_blanked(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _blanked(item) for key, item in value.items()}
    return None if value is None else ANONYMISED


def redacted(data: Any) -> Any:
    """``data`` with every personal field redacted: account ids pseudonymised, names, phones and addresses blanked."""
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in ACCOUNT_KEYS:
                out[key] = _pseudonymised(value)
            elif key in TEXT_KEYS:
                out[key] = _blanked(value)
            else:
                out[key] = redacted(value)
        return out
    if isinstance(data, list):
        return [redacted(item) for item in data]
    return data


def texts_blanked(data: Any) -> Any:
    """``data`` with every name, phone, address or free text (:data:`TEXT_KEYS`) blanked, accounts left as they are."""
    if isinstance(data, Mapping):
        return {key: _blanked(value) if key in TEXT_KEYS else texts_blanked(value) for key, value in data.items()}
    if isinstance(data, list):
        return [texts_blanked(item) for item in data]
    return data


def without_person(data: Any, person: str) -> Any:
    """``data`` with one account replaced by its pseudonym wherever it appears, and a record naming it (``account``) blanked."""
    if isinstance(data, Mapping):
        if data.get("account") == person:
            return {key: pseudonym(person) if key == "account" else _blanked(value) if key in ("name", *TEXT_KEYS) else value
                    for key, value in data.items()}  # fmt: skip
        return {key: without_person(value, person) for key, value in data.items()}
    if isinstance(data, list):
        return [without_person(item, person) for item in data]
    return pseudonym(person) if data == person else data


class FeedPrivacy:
    """Erasure and retention over the stored feed (entries keep ``_id``, ``seq`` and every non-personal field)."""

    def __init__(self, database: Database, feed: Collection, places: PlacesReadModel, *, default_days: int,
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self._feed, self._clock = feed, clock
        self.retention = RetentionReadModel(database.collection("retention"), places, default_days=default_days)

    async def create_indexes(self) -> None:
        """An erasure finds her events by index; the sweep finds a community's old unredacted events by index."""
        await self._feed.create_indexes(
            [Index(((f"data.{key}", 1),), sparse=True) for key in SEARCHED] + [Index((("community", 1), (ANONYMISED_AT, 1), ("time", 1)))]
        )

    def for_feed(self, event: Event) -> Event:
        """The event as the feed keeps it: a resident's request about her data under her pseudonym from the start
        (who asked is the audit trail's business, not partners'); any other event as it is."""
        if event.routing_key in (ERASURE_REQUESTED, EXPORT_REQUESTED):
            return replace(event, data=redacted(dict(event.data)))
        return event

    async def handle(self, event: Event) -> None:
        """The events service's consumer hands it each event once recorded: erasure requests and retention settings act."""
        await on_privacy_event(event, erase=self.erase, retention=self.retention)

    async def erase(self, person: str) -> int:
        """Every stored event naming her account no longer does (pseudonym; her name and phone blanked); how many changed."""
        naming = {"$or": [{f"data.{key}": person} for key in SEARCHED]}

        async def change(entry: FeedEntry) -> int:
            data = entry["data"]
            if data.get("actor") == person:
                data = texts_blanked(data)  # what she did: her own words (a rating's comment…) go too
            update = {"$set": {"data": without_person(data, person)}}
            return (await self._feed.update_one({"_id": entry["_id"], **naming}, update)).modified

        return await self._in_batches(naming, change)

    async def anonymise_expired(self) -> int:
        """The retention sweep: events past their district's period, not yet redacted, lose every personal field; how many."""
        now, changed = self._clock(), 0
        for scope in await self.retention.expired(now):
            changed += await self._redact_scope(scope, at=now)
        return changed

    async def _redact_scope(self, scope: Expired, *, at: datetime) -> int:
        where = {key.replace("community_id", "community"): value for key, value in scope.filter().items()}
        expired = {**where, ANONYMISED_AT: None, "time": {"$lt": scope.cutoff}}

        async def change(entry: FeedEntry) -> int:
            update = {"$set": {"data": redacted(entry["data"]), ANONYMISED_AT: at}}
            return (await self._feed.update_one({"_id": entry["_id"], ANONYMISED_AT: None}, update)).modified

        return await self._in_batches(expired, change)

    async def _in_batches(self, filter: dict[str, Any], change: Callable[[FeedEntry], Awaitable[int]]) -> int:
        """Change what ``filter`` selects, ``BATCH`` entries at a time (a changed entry leaves the selection), oldest first."""
        changed = 0
        while True:
            batch = await self._feed.find(filter, projection={"_id": 1, "data": 1}, sort=[("seq", 1)], limit=BATCH)
            done = sum([await change(entry) for entry in batch])
            changed += done
            if len(batch) < BATCH or done == 0:
                return changed
