"""The claims subgraph schema (Apollo Federation v2)."""

from __future__ import annotations

from services.claims.schema.claim import ClaimType
from services.claims.schema.extensions import CommunityType, DistrictType, OrganizationType, ServiceItemType, StreetType
from services.claims.schema.meeting import IntentionMeetingType
from services.claims.schema.mutations import Mutation
from services.claims.schema.personal import PersonalDataType
from services.claims.schema.queries import Query
from services.common.graphql.errors import ERROR_TYPES
from services.common.graphql.limits import schema_extensions
from services.common.graphql.scalars import schema_config
from services.common.graphql.schema import FederatedSchema
from services.common.settings import Settings

__all__ = ["build_schema"]

ENTITY_TYPES = (
    ClaimType,
    IntentionMeetingType,
    ServiceItemType,
    OrganizationType,
    CommunityType,
    StreetType,
    DistrictType,
    PersonalDataType,
)


def build_schema(settings: Settings) -> FederatedSchema:
    """The federated schema with the platform's limits and error masking."""
    return FederatedSchema(
        query=Query,
        mutation=Mutation,
        types=[*ENTITY_TYPES, *ERROR_TYPES],
        extensions=schema_extensions(settings),
        config=schema_config(),
    )
