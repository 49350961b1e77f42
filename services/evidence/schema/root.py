"""Root fields of the evidence subgraph: upload links, a record's evidence, disbursements missing a receipt."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import UserError, public_error
from services.common.graphql.mutations import attempt_for_caller
from services.evidence.domain import EvidenceKind
from services.evidence.handlers import Shown
from services.evidence.schema.context import EvidenceContext

__all__ = ["Mutation", "Query"]

strawberry.enum(
    EvidenceKind, description="PHOTO, RECEIPT 发票 (on a disbursement), SIGN_IN_SHEET 签到表, MINUTES 纪要, SUPERVISION_RECORD 督导记录."
)


@strawberry.enum(description="What a piece of evidence is attached to.")
class EvidenceRecordType(Enum):
    NEED = "need"
    SERVICE_ITEM = "service_item"
    CLAIM = "claim"
    MEETING = "meeting"
    DISBURSEMENT = "disbursement"
    SUPERVISION = "supervision"
    PROGRESS_REPORT = "progress_report"


@strawberry.type(name="Evidence", description="A file (附件) attached to a record, with short-lived links to it.")
class EvidenceType:
    id: strawberry.ID = strawberry.field(description="The evidence's id.")
    record_id: strawberry.ID = strawberry.field(description="The record it belongs to.")
    record_type: EvidenceRecordType = strawberry.field(description="What that record is.")
    kind: EvidenceKind = strawberry.field(description="What the file is.")
    filename: str = strawberry.field(description="Its name as uploaded.")
    content_type: str = strawberry.field(description="Its type, as read from its content.")
    size_bytes: int = strawberry.field(description="Its size.")
    sha256: str = strawberry.field(description="SHA-256 of its content (hex).")
    uploaded_at: datetime = strawberry.field(description="When it was uploaded.")
    url: str = strawberry.field(description="A signed link to the file, valid for 15 minutes.")
    thumbnail_url: str | None = strawberry.field(description="A signed link to its thumbnail (pictures only).")

    @classmethod
    def of(cls, shown: Shown) -> EvidenceType:
        """From the use case."""
        e = shown.evidence
        return cls(
            id=strawberry.ID(e.id), record_id=strawberry.ID(e.record_id), record_type=EvidenceRecordType(e.record_type.value), kind=e.kind,
            filename=e.filename, content_type=e.content_type, size_bytes=e.size_bytes, sha256=e.sha256, uploaded_at=e.uploaded_at,
            url=shown.url, thumbnail_url=shown.thumbnail_url,
        )  # fmt: skip


@strawberry.type(description="A disbursement (拨付) with no receipt (发票) attached yet.")
class DisbursementWithoutReceipt:
    disbursement_id: strawberry.ID = strawberry.field(description="The disbursement.")
    claim_id: strawberry.ID | None = strawberry.field(description="Its claim.")


@strawberry.type(description="Evidence (附件) of the records you may see.")
class Query:
    @strawberry.field(description="A record's evidence, if you may see the record.")
    async def evidence_of(self, info: Info[EvidenceContext, None], record_id: strawberry.ID) -> list[EvidenceType]:
        principal = info.context.require_principal()
        try:
            shown = await info.context.use_cases.of_record(principal, str(record_id))
        except DomainError as error:
            raise public_error(error) from error
        return [EvidenceType.of(s) for s in shown]

    @strawberry.field(description="The community's disbursements that have no receipt attached (a receipt is required for each).")
    async def disbursements_without_receipt(
        self, info: Info[EvidenceContext, None], community_id: strawberry.ID
    ) -> list[DisbursementWithoutReceipt]:
        principal = info.context.require_principal()
        try:
            records = await info.context.use_cases.missing_receipts(principal, str(community_id))
        except DomainError as error:
            raise public_error(error) from error
        return [
            DisbursementWithoutReceipt(disbursement_id=strawberry.ID(r.id), claim_id=strawberry.ID(r.claim_id) if r.claim_id else None)
            for r in records
        ]


@strawberry.input(description="Ask for a link to upload one file to a record.")
class RequestEvidenceUploadInput:
    record_id: strawberry.ID = strawberry.field(
        description="The need, item, claim, meeting, disbursement, supervision visit or progress report."
    )
    kind: EvidenceKind = strawberry.field(description="What the file is (RECEIPT only on a disbursement).")
    filename: str = strawberry.field(description="The file's name; its extension must match its content.")


@strawberry.type(description="Result of requestEvidenceUpload.")
class RequestEvidenceUploadPayload:
    evidence_id: strawberry.ID | None = strawberry.field(description="The id the file will have.")
    upload_url: str | None = strawberry.field(description="PUT the file's bytes here within 15 minutes; null if nothing was granted.")
    expires_at: datetime | None = strawberry.field(description="When the link expires.")
    errors: list[UserError] = strawberry.field(description="Why no link was granted; empty on success.")


@strawberry.type(description="Attach evidence.")
class Mutation:
    @strawberry.mutation(
        description="A signed link to upload one file to a record (its community's staff, or the claiming organization's leader)."
    )
    async def request_evidence_upload(
        self, info: Info[EvidenceContext, None], input: RequestEvidenceUploadInput
    ) -> RequestEvidenceUploadPayload:
        grant, errors = await attempt_for_caller(
            info.context, lambda h, p: h.grant_upload(p, str(input.record_id), input.kind, input.filename)
        )
        if grant is None:
            return RequestEvidenceUploadPayload(evidence_id=None, upload_url=None, expires_at=None, errors=errors)
        return RequestEvidenceUploadPayload(
            evidence_id=strawberry.ID(grant.evidence_id), upload_url=grant.upload_url, expires_at=grant.expires_at, errors=[]
        )
