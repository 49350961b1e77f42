"""The federated schema class every subgraph uses."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import get_object_definition

from services.common.graphql.errors import PublicError
from services.common.graphql.limits import should_mask
from services.common.graphql.text_inputs import PlainTextInputs

__all__ = ["FederatedSchema"]

log = logging.getLogger("services.graphql")


class FederatedSchema(strawberry.federation.Schema):
    """Federation v2 schema that logs unexpected errors only, and checks every mutation's input text.

    Refusals the caller caused (:class:`PublicError`, validation errors) are answers, not
    incidents: they go back to the caller and stay out of the error log.
    """

    def __init__(self, query: type | None = None, mutation: type | None = None, **kwargs: Any) -> None:
        if mutation is not None:
            for field in get_object_definition(mutation, strict=True).fields:
                if not any(isinstance(extension, PlainTextInputs) for extension in field.extensions):
                    field.extensions.append(PlainTextInputs())  # the kernel's text rule on every mutation's input
        super().__init__(query=query, mutation=mutation, **kwargs)

    @cached_property
    def entity_type_names(self) -> frozenset[str]:
        """The types this subgraph resolves by key (``@key``)."""
        return frozenset(
            name
            for name, concrete in self.schema_converter.type_map.items()
            if any(isinstance(directive, Key) for directive in getattr(concrete.definition, "directives", None) or ())
        )

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """``_entities``, refusing representations of types this subgraph does not have, or without their key.

        Strawberry's resolver fails with an internal error on an unknown ``__typename`` or a
        missing key field; a router (or anyone) sending one deserves a clear answer instead.
        """
        for index, representation in enumerate(representations):
            typename = representation.get("__typename") if isinstance(representation, dict) else None
            if typename not in self.entity_type_names:
                raise PublicError(
                    f"this subgraph has no entity type {typename!r}", "BAD_USER_INPUT", field=f"representations.{index}.__typename"
                )
        results = super().entities_resolver(info, representations)
        return [
            FederationAny(PublicError(f"representation {index} lacks its key fields", "BAD_USER_INPUT", field=f"representations.{index}"))
            if isinstance(result, TypeError)
            else result
            for index, result in enumerate(results)
        ]

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log errors that point at a fault of ours."""
        for error in errors:
            if should_mask(error):
                log.error("unexpected error at %s", error.path, exc_info=error.original_error)
