"""Service links in the orgs subgraph: the link type, the requests a community has to answer, and the four mutations.

Serving a community other than the home one is asked by the organization's side
(``requestCommunityService``) and granted or declined by the community reached — its staff, or
a district administrator over both (``acceptCommunityService``, ``declineCommunityService``);
either side may end it (``endCommunityService``).
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import PublicError, public_error
from services.common.graphql.pagination import Connection, connection
from services.common.text import MULTILINE
from services.orgs.domain import Organization, access
from services.orgs.domain.service_links import ServiceLink, ServiceLinkStatus
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.organization import OrganizationType
from services.orgs.schema.payloads import OrganizationPayload

__all__ = [
    "ServiceLinkMutations",
    "ServiceLinkType",
    "service_requests",
    "visible_links",
]

strawberry.enum(
    ServiceLinkStatus,
    description="REQUESTED by the organization's side; GRANTED or DECLINED by the community reached; ENDED by either side.",
)


@strawberry.type(name="ServiceLink", description="An organization's link to a community other than its home: asked, then granted or not.")
class ServiceLinkType:
    community_id: strawberry.ID = strawberry.field(description="The community it asks to serve.")
    status: ServiceLinkStatus = strawberry.field(description="Where the request stands; only GRANTED counts as served.")
    requested_by: str = strawberry.field(description="Who asked.")
    requested_at: datetime = strawberry.field(description="When it was asked.")
    decided_by: str | None = strawberry.field(description="Who granted, declined or ended it.")
    decided_at: datetime | None = strawberry.field(description="When.")
    reason: str = strawberry.field(description="Why it was declined or ended.")

    @classmethod
    def from_domain(cls, link: ServiceLink) -> ServiceLinkType:
        """From the domain link."""
        return cls(
            community_id=strawberry.ID(link.community_id),
            status=link.status,
            requested_by=link.requested_by,
            requested_at=link.requested_at,
            decided_by=link.decided_by,
            decided_at=link.decided_at,
            reason=link.reason,
        )


async def visible_links(info: Info[OrgsContext, None], organization: Organization) -> list[ServiceLinkType]:
    """Every link for the organization's editors (home staff, its leader); to others only their own communities' links."""
    context = info.context
    principal = context.require_principal()
    home_district = await context.district_of(organization.community_id)
    editor = access.is_editor(principal, organization, home_district)
    shown = []
    for link in organization.service_links:
        if editor or await context.belongs_to(principal, link.community_id):
            shown.append(ServiceLinkType.from_domain(link))
    return shown


async def service_requests(info: Info[OrgsContext, None], community_id: str, first: int, after: str | None) -> Connection[OrganizationType]:
    """Organizations asking to serve the community, for its staff (and its district's administrators) to answer."""
    context = info.context
    if not await context.is_staff(context.require_principal(), community_id):
        raise PublicError("only the community's staff see the requests to serve it", "FORBIDDEN", "id")
    try:
        organizations, page = await context.store.list_service_requests(community_id, first=first, after=after)
    except DomainError as error:
        raise public_error(error) from error
    nodes = [OrganizationType.from_domain(organization) for organization in organizations]
    return connection(nodes, page, after=after, count=lambda: context.store.count_service_requests(community_id))


@strawberry.input(description="Ask that a partner organization serve one more community (its staff, or its own leader).")
class RequestCommunityServiceInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization (a partner NGO).")
    community_id: strawberry.ID = strawberry.field(
        description="The community to serve; granted at once if you are its staff or a district administrator over both."
    )


@strawberry.input(description="Grant a request to serve your community (its staff, or a district administrator over both).")
class AcceptCommunityServiceInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization that asked.")
    community_id: strawberry.ID = strawberry.field(description="Your community, which it asked to serve.")


@strawberry.input(description="Decline a request to serve your community, saying why.")
class DeclineCommunityServiceInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization that asked.")
    community_id: strawberry.ID = strawberry.field(description="Your community, which it asked to serve.")
    reason: str = strawberry.field(metadata=MULTILINE, description="Why (required).")


@strawberry.input(description="End a service link, from either side (the organization's editors, or the community served).")
class EndCommunityServiceInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    community_id: strawberry.ID = strawberry.field(description="The community it served or asked to serve.")
    reason: str = strawberry.field(metadata=MULTILINE, default="", description="Why.")


@strawberry.type(description="Result of requestCommunityService.")
class RequestCommunityServicePayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of acceptCommunityService.")
class AcceptCommunityServicePayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of declineCommunityService.")
class DeclineCommunityServicePayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of endCommunityService.")
class EndCommunityServicePayload(OrganizationPayload):
    pass


@strawberry.type(description="Service links between organizations and the communities they serve.")
class ServiceLinkMutations:
    @strawberry.mutation(
        description="A partner organization's staff or leader: ask to serve one more community (granted by that community)."
    )
    async def request_community_service(
        self, info: Info[OrgsContext, None], input: RequestCommunityServiceInput
    ) -> RequestCommunityServicePayload:
        return await RequestCommunityServicePayload.run(
            info, lambda handlers, principal: handlers.request_service(principal, str(input.organization_id), str(input.community_id))
        )

    @strawberry.mutation(description="The community's staff, or a district administrator over both: grant a request to serve it.")
    async def accept_community_service(
        self, info: Info[OrgsContext, None], input: AcceptCommunityServiceInput
    ) -> AcceptCommunityServicePayload:
        return await AcceptCommunityServicePayload.run(
            info,
            lambda handlers, principal: handlers.answer_service(
                principal, str(input.organization_id), str(input.community_id), "grant", ""
            ),
        )

    @strawberry.mutation(description="The community's staff, or a district administrator over both: decline a request to serve it.")
    async def decline_community_service(
        self, info: Info[OrgsContext, None], input: DeclineCommunityServiceInput
    ) -> DeclineCommunityServicePayload:
        return await DeclineCommunityServicePayload.run(
            info,
            lambda handlers, principal: handlers.answer_service(
                principal, str(input.organization_id), str(input.community_id), "decline", input.reason
            ),
        )

    @strawberry.mutation(description="Either side: end a service link (the organization no longer serves the community).")
    async def end_community_service(self, info: Info[OrgsContext, None], input: EndCommunityServiceInput) -> EndCommunityServicePayload:
        return await EndCommunityServicePayload.run(
            info,
            lambda handlers, principal: handlers.answer_service(
                principal, str(input.organization_id), str(input.community_id), "end", input.reason
            ),
        )
