"""Schema extensions every subgraph runs: depth, alias and token limits, masked internal errors."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension

from services.common.graphql.errors import PublicError
from services.common.settings import Settings

__all__ = ["schema_extensions", "should_mask"]


def should_mask(error: GraphQLError) -> bool:
    """Mask what broke while resolving a field, unless it is a deliberate :class:`PublicError`.

    Errors without a path are about the request itself (syntax, validation, variable values
    such as an unknown enum value or a non-integer amount): they say which input is wrong and
    are never masked.
    """
    original = error.original_error
    return error.path is not None and original is not None and not isinstance(original, PublicError)


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """The limits, in the order they should run, and error masking last (fresh per operation)."""
    introspection: list[Callable[[], SchemaExtension]] = (
        [] if settings.graphql_introspection else [lambda: AddValidationRules([NoSchemaIntrospectionCustomRule])]
    )
    return [
        *introspection,
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.graphql_max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Internal server error."),
    ]
