"""The evidence subgraph schema (Apollo Federation v2)."""

from __future__ import annotations

from services.common.graphql.errors import ERROR_TYPES
from services.common.graphql.limits import schema_extensions
from services.common.graphql.scalars import schema_config
from services.common.graphql.schema import FederatedSchema
from services.common.settings import Settings
from services.evidence.schema.personal import PersonalDataType
from services.evidence.schema.root import Mutation, Query

__all__ = ["build_schema"]


def build_schema(settings: Settings) -> FederatedSchema:
    """The federated schema with the platform's limits and error masking."""
    return FederatedSchema(
        query=Query,
        mutation=Mutation,
        types=[PersonalDataType, *ERROR_TYPES],
        extensions=schema_extensions(settings),
        config=schema_config(),
    )
