"""Evidence records and the records they are attached to, and who may attach or see them.

Pure code. A record (need, item, claim, meeting, disbursement, supervision visit, progress
report) is known from the domain events: its community and, for claim-related ones, the
claiming organization. Its community's staff attach evidence, and so does the claiming
organization's leader for its claim's records; whoever belongs to the community (or
administers its district) may see it. A receipt (发票) is evidence of kind RECEIPT on a
disbursement; a disbursement without one is listed as missing its receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.common.access import is_staff
from services.common.domain import Forbidden, Invalid
from services.common.identity import Principal, Role

__all__ = ["Evidence", "EvidenceKind", "Record", "RecordType", "may_attach", "may_see"]


class RecordType(StrEnum):
    """What evidence may be attached to."""

    NEED = "need"
    SERVICE_ITEM = "service_item"
    CLAIM = "claim"
    MEETING = "meeting"
    DISBURSEMENT = "disbursement"
    SUPERVISION = "supervision"
    PROGRESS_REPORT = "progress_report"


class EvidenceKind(StrEnum):
    """What a piece of evidence is."""

    PHOTO = "photo"
    RECEIPT = "receipt"  # 发票
    SIGN_IN_SHEET = "sign_in_sheet"  # 签到表
    MINUTES = "minutes"  # 会议纪要
    SUPERVISION_RECORD = "supervision_record"  # 督导记录


@dataclass(frozen=True, slots=True)
class Record:
    """A record evidence can belong to, as the events announced it."""

    id: str
    type: RecordType
    community_id: str
    organization_id: str | None = None
    claim_id: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One stored file attached to one record."""

    id: str
    record_id: str
    record_type: RecordType
    community_id: str
    kind: EvidenceKind
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    has_thumbnail: bool


def may_attach(principal: Principal, record: Record, district_id: str | None, kind: EvidenceKind) -> None:
    """Staff of the record's community; or the claiming organization's leader, for the claim's own records."""
    if kind is EvidenceKind.RECEIPT and record.type is not RecordType.DISBURSEMENT:
        raise Invalid("a receipt is attached to a disbursement", field="kind")
    if is_staff(principal, record.community_id, district_id):
        return
    if (
        record.organization_id is not None
        and principal.has_role(Role.ORG_LEADER)
        and principal.organization == record.organization_id
        and record.community_id in principal.communities
    ):
        return
    raise Forbidden("only the community's staff (or the claiming organization's leader) attach evidence here", field="recordId")


def may_see(principal: Principal, record: Record, district_id: str | None) -> bool:
    """Whoever belongs to the record's community, or administers its district."""
    return principal.belongs_to(record.community_id, district_id)
