"""The evidence service's use cases: grant an upload link, receive the file, list a record's evidence, serve a file."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.domain import Forbidden, Invalid, NotFound
from services.common.identity import Principal
from services.common.settings import Settings
from services.evidence.domain import Evidence, EvidenceKind, Record, check_upload, derive_key, may_attach, may_see, sign, verify
from services.evidence.store import EvidenceStore
from services.evidence.thumbnails import thumbnail

__all__ = ["LINK_LIFETIME", "EvidenceHandlers", "Grant", "Shown"]

LINK_LIFETIME = timedelta(minutes=15)
"""How long an upload or download link is valid."""


@dataclass(frozen=True, slots=True)
class Grant:
    """Permission to upload one file to one record, as a signed link."""

    evidence_id: str
    upload_url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Shown:
    """A piece of evidence with short-lived signed links to the file and its thumbnail."""

    evidence: Evidence
    url: str
    thumbnail_url: str | None


class EvidenceHandlers:
    """Use cases of the evidence service."""

    def __init__(
        self, store: EvidenceStore, settings: Settings, *, clock: Callable[[], datetime], notify: Callable[[], None] = lambda: None
    ) -> None:
        self.store = store
        self._clock = clock
        self._notify = notify
        self._key = derive_key(settings.evidence_signing_key or settings.jwt_secret)
        self._base = (settings.evidence_public_url or f"{settings.public_gateway_url()}/evidence").rstrip("/")
        self._max_bytes = settings.evidence_max_bytes

    async def grant_upload(self, principal: Principal, record_id: str, kind: EvidenceKind, filename: str) -> Grant:
        """A link to upload one file to a record the caller may attach evidence to."""
        record = await self._record(record_id)
        may_attach(principal, record, await self.store.places.district_of(record.community_id), kind)
        name = filename.strip()
        if not name or len(name) > 200 or "/" in name or "\\" in name:
            raise Invalid("give the file's name (at most 200 characters, no slashes)", field="filename")
        expires = self._clock() + LINK_LIFETIME
        evidence_id = uuid.uuid4().hex
        claims = {
            "id": evidence_id,
            "rec": record.id,
            "kind": kind.value,
            "name": name,
            "by": principal.subject,
            "exp": expires.timestamp(),
        }
        return Grant(evidence_id, f"{self._base}/uploads/{sign(self._key, {'up': 1, **claims})}", expires)

    async def receive(self, token: str, data: bytes) -> Evidence:
        """The file sent to an upload link: checked by its content, thumbnailed if a picture, stored."""
        claims = verify(self._key, token, now=self._clock())
        if claims.get("up") != 1:
            raise Forbidden("this is not an upload link", field="token")
        existing = await self.store.one(str(claims["id"]))
        if existing is not None:
            return existing
        record = await self._record(str(claims["rec"]))
        detected = check_upload(str(claims["name"]), data, max_bytes=self._max_bytes)
        small = await asyncio.to_thread(thumbnail, data) if detected.is_image else None
        evidence = Evidence(
            id=str(claims["id"]),
            record_id=record.id,
            record_type=record.type,
            community_id=record.community_id,
            kind=EvidenceKind(str(claims["kind"])),
            filename=str(claims["name"]),
            content_type=detected.content_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=str(claims["by"]),
            uploaded_at=self._clock(),
            has_thumbnail=small is not None,
        )
        if await self.store.add(evidence, data, small):
            self._notify()
        return evidence

    async def of_record(self, principal: Principal, record_id: str) -> list[Shown]:
        """A record's evidence with download links, for those who may see the record."""
        record = await self.store.record(record_id)
        if record is None or not may_see(principal, record, await self.store.places.district_of(record.community_id)):
            raise NotFound("no such record in any community you may see", field="recordId")
        return [self._shown(evidence) for evidence in await self.store.of_record(record_id)]

    async def missing_receipts(self, principal: Principal, community_id: str) -> list[Record]:
        """Disbursements of the community without a receipt (发票), for its people."""
        if not principal.belongs_to(community_id, await self.store.places.district_of(community_id)):
            raise Forbidden("only the community's people see its disbursements", field="communityId")
        return await self.store.disbursements_without_receipt(community_id)

    async def file(self, token: str) -> tuple[bytes, str, str]:
        """The bytes, content type and name behind a download link."""
        claims = verify(self._key, token, now=self._clock())
        if claims.get("down") != 1:
            raise Forbidden("this is not a download link", field="token")
        evidence = await self.store.one(str(claims["id"]))
        thumb = bool(claims.get("thumb"))
        data = await self.store.blobs.get(f"{claims['id']}.thumbnail" if thumb else str(claims["id"])) if evidence else None
        if evidence is None or data is None:
            raise NotFound("no such file", field="token")
        return data, "image/jpeg" if thumb else evidence.content_type, evidence.filename

    def _shown(self, evidence: Evidence) -> Shown:
        exp = (self._clock() + LINK_LIFETIME).timestamp()
        url = f"{self._base}/files/{sign(self._key, {'down': 1, 'id': evidence.id, 'exp': exp})}"
        thumb = (
            f"{self._base}/files/{sign(self._key, {'down': 1, 'id': evidence.id, 'thumb': 1, 'exp': exp})}"
            if evidence.has_thumbnail
            else None
        )
        return Shown(evidence, url, thumb)

    async def _record(self, record_id: str) -> Record:
        record = await self.store.record(record_id)
        if record is None:
            raise NotFound("no such record (it may not have reached the evidence service yet)", field="recordId")
        return record
