"""Personal data in the claims service (个人信息保护法): her claims as a resident, the ratings she wrote.

An erasure request leaves her claims and ratings in place with every figure (amounts, scores,
counts) but no longer linked to her: her account becomes its pseudonym (so "one open claim per
claimant per item" and "one rating each" still hold for what is stored), the names on her
claims are blanked (:meth:`ClaimsStore.anonymise_claimant`), her rating comments emptied. The
retention sweep blanks the comments and pseudonymises the raters of ratings older than the
period. One conditional update per claim, each guarded by what it changes, so it is idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.claims.documents import claim_from_document
from services.claims.domain import Claim
from services.common.privacy import pseudonym
from services.common.retention import Expired
from services.common.store import Collection, Index
from services.common.store.aggregate import VERSION
from services.common.store.dates import aware

__all__ = ["ClaimsPersonalData"]

PSEUDONYMS = {"$regex": "^anonymised-"}


class ClaimsPersonalData:
    """Her claims and ratings: read for her export, erased on request, expired by the retention sweep."""

    def __init__(self, claims: Collection, cards: Collection) -> None:
        self._claims, self._cards = claims, cards

    async def create_indexes(self) -> None:
        """Her claims and ratings are found across communities (an erasure, her export) by index."""
        await self._claims.create_indexes([Index((("claimant.subject", 1),)), Index((("ratings.resident", 1),))])
        await self._cards.create_indexes([Index((("member_accounts", 1),))])

    async def claims_of_person(self, person: str, *, limit: int = 1_000) -> list[Claim]:
        """The claims she made as a resident (newest first)."""
        documents = await self._claims.find(
            {"claimant.subject": person, "claimant.organization_id": None}, sort=[("submitted_at", -1)], limit=limit
        )
        return [claim_from_document(document) for document in documents]

    async def rated_by(self, person: str, *, limit: int = 1_000) -> list[Claim]:
        """The claims she rated (newest first)."""
        documents = await self._claims.find({"ratings.resident": person}, sort=[("submitted_at", -1)], limit=limit)
        return [claim_from_document(document) for document in documents]

    async def unlink(self, person: str) -> int:
        """The claims she submitted (as a resident, or for an organization she leads) and her ratings no longer carry her
        account (a pseudonym does), and the organizations' cards no longer list it among their members (the orgs service
        unlinks her from them on the same request); how many documents changed."""
        alias, changed = pseudonym(person), 0
        mine = {"claimant.subject": person}
        for document in await self._claims.find(mine, projection={"_id": 1, "item_id": 1, "open_key": 1, "claimant": 1}):
            changes: dict[str, Any] = {"claimant.subject": alias}
            if document.get("open_key") and document["claimant"].get("organization_id") is None:
                changes["open_key"] = f"{document['item_id']}/resident:{alias}"
            outcome = await self._claims.update_one({"_id": document["_id"], **mine}, {"$set": changes, "$inc": {VERSION: 1}})
            changed += outcome.modified
        for card in await self._cards.find({"member_accounts": person}, projection={"_id": 1}):
            outcome = await self._cards.update_one(
                {"_id": card["_id"], "member_accounts": person}, {"$pull": {"member_accounts": person, "acting_accounts": person}}
            )
            changed += outcome.modified
        for document in await self._claims.find({"ratings.resident": person}, projection={"_id": 1}):
            outcome = await self._claims.update_one(
                {"_id": document["_id"], "ratings.resident": person},
                {"$set": {"ratings.$.resident": alias, "ratings.$.comment": ""}, "$inc": {VERSION: 1}},
            )
            changed += outcome.modified
        return changed

    async def anonymise_expired_ratings(self, scope: Expired, *, at: datetime) -> int:
        """Ratings of the scope given before its cutoff lose their rater's account and comment; how many claims changed."""
        changed = 0
        old = {"at": {"$lt": scope.cutoff}, "resident": {"$not": PSEUDONYMS}}
        expired = {**scope.filter(), "ratings": {"$elemMatch": old}}
        for document in await self._claims.find(expired, projection={"_id": 1, "ratings": 1, VERSION: 1}):
            ratings = [
                {**r, "resident": pseudonym(r["resident"]), "comment": ""}
                if aware(r["at"]) < scope.cutoff and not r["resident"].startswith("anonymised-")
                else r
                for r in document["ratings"]
            ]
            outcome = await self._claims.update_one(
                {"_id": document["_id"], VERSION: document[VERSION]}, {"$set": {"ratings": ratings}, "$inc": {VERSION: 1}}
            )
            changed += outcome.modified
        return changed
