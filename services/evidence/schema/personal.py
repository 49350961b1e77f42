"""The evidence subgraph's part of a person's data export (个人信息查阅): the files she attached, as their metadata keeps them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.common.privacy import own_only
from services.evidence.domain import Evidence, EvidenceKind
from services.evidence.schema.context import EvidenceContext
from services.evidence.schema.root import EvidenceType

_ = EvidenceType  # the root module registers the EvidenceKind enum with its description; import it before using the enum

__all__ = ["PersonalDataType", "PersonalEvidence"]


@strawberry.type(description="A file you attached to a record (its metadata keeps your account and the name you gave it).")
class PersonalEvidence:
    id: strawberry.ID = strawberry.field(description="The evidence.")
    community_id: strawberry.ID = strawberry.field(description="Its community.")
    record_id: strawberry.ID = strawberry.field(description="The record it belongs to.")
    kind: EvidenceKind = strawberry.field(description="What the file is.")
    filename: str = strawberry.field(description="The name you gave it.")
    uploaded_at: datetime = strawberry.field(description="When you uploaded it.")

    @classmethod
    def of(cls, e: Evidence) -> PersonalEvidence:
        """Her view of a file she attached."""
        return cls(
            id=strawberry.ID(e.id),
            community_id=strawberry.ID(e.community_id),
            record_id=strawberry.ID(e.record_id),
            kind=e.kind,
            filename=e.filename,
            uploaded_at=e.uploaded_at,
        )


@strawberry.federation.type(name="PersonalData", keys=["person"], description="What the platform holds about one person.")
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Files you attached to records (receipts, photos, documents).")
    async def uploaded_evidence(self, info: Info[EvidenceContext, None]) -> list[PersonalEvidence]:
        own_only(info.context.require_principal().subject, str(self.person))
        return [PersonalEvidence.of(e) for e in await info.context.use_cases.store.uploaded_by(str(self.person))]

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)
