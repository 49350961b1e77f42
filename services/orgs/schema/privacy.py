"""GraphQL of personal data requests (个人信息保护法): a resident asks that her data be erased everywhere."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.common.domain import Forbidden
from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.orgs.domain.privacy import ErasureRequest
from services.orgs.privacy import PrivacyRequests
from services.orgs.schema.context import OrgsContext

__all__ = ["PrivacyMutation"]


@strawberry.type(name="PersonalDataErasureRequest", description="A resident's request that the platform erase her personal data.")
class ErasureRequestType:
    id: strawberry.ID = strawberry.field(description="The request's id.")
    community_id: strawberry.ID = strawberry.field(description="The community it was made in (its audit trail records it).")
    requested_at: datetime = strawberry.field(description="When it was made.")

    @classmethod
    def from_domain(cls, request: ErasureRequest) -> ErasureRequestType:
        """The GraphQL view of a request."""
        return cls(id=strawberry.ID(request.id), community_id=strawberry.ID(request.community_id), requested_at=request.requested_at)


@strawberry.input(description="Ask that your personal data be erased (anonymised) in every service.")
class RequestPersonalDataErasureInput:
    community_id: strawberry.ID = strawberry.field(description="Your community (one your account belongs to).")
    idempotency_key: str | None = strawberry.field(default=None, description="Retry with the same key and the request is not doubled.")


@strawberry.type(description="Result of requestPersonalDataErasure.")
class RequestPersonalDataErasurePayload:
    request: ErasureRequestType | None = strawberry.field(description="The request; null if it was refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


def _use_cases(info: Info[OrgsContext, None]) -> PrivacyRequests:
    privacy = info.context.privacy
    if privacy is None:
        raise Forbidden("personal data requests are not served here")
    return privacy


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description=(
            "个人信息删除: erase your personal data everywhere — your name and phone in organizations and the volunteer register,"
            " your contacts, your needs' addresses and your account on them; the records and every figure stay. Audited."
        )
    )
    async def request_personal_data_erasure(
        self, info: Info[OrgsContext, None], input: RequestPersonalDataErasureInput
    ) -> RequestPersonalDataErasurePayload:
        principal = info.context.require_principal()
        request, errors = await attempt(
            lambda: _use_cases(info).request_erasure(principal, str(input.community_id), idempotency_key=input.idempotency_key)
        )
        return RequestPersonalDataErasurePayload(request=ErasureRequestType.from_domain(request) if request else None, errors=errors)
