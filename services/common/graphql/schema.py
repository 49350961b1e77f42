"""The federated schema class every subgraph uses."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from services.common.graphql.limits import should_mask

__all__ = ["FederatedSchema"]

log = logging.getLogger("services.graphql")


class FederatedSchema(strawberry.federation.Schema):
    """Federation v2 schema that logs unexpected errors only.

    Refusals the caller caused (:class:`PublicError`, validation errors) are answers, not
    incidents: they go back to the caller and stay out of the error log.
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log errors that point at a fault of ours."""
        for error in errors:
            if should_mask(error):
                log.error("unexpected error at %s", error.path, exc_info=error.original_error)
