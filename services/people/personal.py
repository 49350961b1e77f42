"""Personal data in the people service beyond the volunteer register (个人信息保护法): attendance, sessions, certificates.

The register entries are anonymised by :meth:`PeopleStore.anonymise_volunteer` (and then carry her
pseudonym, not her account); an erasure request also reaches what links hours to her account: her attendance records and her places on sessions'
lists carry her pseudonym instead (every minute, every count and "each person once" stay), and
the certificates issued to her no longer print her name or carry her account (their verification
code still proves the hours). Past the retention period (from the day issued) a certificate prints no name. One conditional update per document, guarded by her account.
"""

from __future__ import annotations

from datetime import datetime

from services.common.privacy import ANONYMISED, ANONYMISED_AT, pseudonym
from services.common.retention import Expired
from services.common.store import Collection, Index
from services.common.store.aggregate import VERSION
from services.people.documents import attendance_from_document, certificate_from_document
from services.people.domain import Attendance, Certificate

__all__ = ["PeoplePersonalData"]


class PeoplePersonalData:
    """Her attendance and certificates: read for her export, unlinked from her account on erasure."""

    def __init__(
        self,
        sessions: Collection,
        attendance: Collection,
        certificates: Collection,
        claims: Collection,
        volunteers: Collection,
        items: Collection,
    ) -> None:
        self._sessions, self._attendance, self._certificates, self._claims = sessions, attendance, certificates, claims
        self._volunteers, self._items = volunteers, items

    async def create_indexes(self) -> None:
        """Her records are found across communities by index."""
        await self._attendance.create_indexes([Index((("person", 1),))])
        await self._certificates.create_indexes([Index((("person", 1),))])
        await self._sessions.create_indexes([Index((("confirmed", 1),)), Index((("waiting", 1),))])
        await self._claims.create_indexes([Index((("claimant", 1),))])

    async def attendance_of(self, person: str) -> list[Attendance]:
        """Her attendance records, newest first."""
        documents = await self._attendance.find({"person": person}, sort=[("checked_in_at", -1)], limit=1_000)
        return [attendance_from_document(document) for document in documents]

    async def certificates_of(self, person: str) -> list[Certificate]:
        """The certificates issued to her, newest first."""
        documents = await self._certificates.find({"person": person}, sort=[("issued_at", -1)], limit=1_000)
        return [certificate_from_document(document) for document in documents]

    async def unlink(self, person: str) -> int:
        """Her attendance, her places on sessions and her certificates no longer carry her account or name; how many changed."""
        alias = pseudonym(person)
        changed = (await self._attendance.update_many({"person": person}, {"$set": {"person": alias}})).modified
        changed += (await self._certificates.update_many({"person": person}, {"$set": {"person": alias, "real_name": ANONYMISED}})).modified
        changed += (await self._certificates.update_many({"issued_by": person}, {"$set": {"issued_by": alias}})).modified
        changed += (await self._claims.update_many({"claimant": person}, {"$set": {"claimant": alias}})).modified
        changed += (await self._items.update_many({"claimant_subject": person}, {"$set": {"claimant_subject": alias}})).modified
        changed += (await self._volunteers.update_many({"person": person}, {"$set": {"person": alias}, "$inc": {VERSION: 1}})).modified
        for field in ("confirmed", "waiting"):
            for document in await self._sessions.find({field: person}, projection={"_id": 1, field: 1, VERSION: 1}):
                listed = [alias if entry == person else entry for entry in document[field]]
                outcome = await self._sessions.update_one(
                    {"_id": document["_id"], VERSION: document[VERSION]}, {"$set": {field: listed}, "$inc": {VERSION: 1}}
                )
                changed += outcome.modified
        return changed

    async def anonymise_expired_certificates(self, scope: Expired, *, at: datetime) -> int:
        """The retention sweep: certificates of the scope issued before its cutoff no longer print a name; how many."""
        expired = {**scope.filter(), "issued_at": {"$lt": scope.cutoff}, ANONYMISED_AT: None}
        outcome = await self._certificates.update_many(expired, {"$set": {"real_name": ANONYMISED, ANONYMISED_AT: at}})
        return outcome.modified
