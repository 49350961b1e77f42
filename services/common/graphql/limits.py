"""Schema extensions every subgraph runs: depth, alias, token and list-size limits, masked internal errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from services.common.graphql.errors import PublicError
from services.common.settings import Settings

__all__ = ["ListSizeLimiter", "oversized_list", "schema_extensions", "should_mask"]


def should_mask(error: GraphQLError) -> bool:
    """Mask what broke while resolving a field, unless it is a deliberate :class:`PublicError`.

    Errors without a path are about the request itself (syntax, validation, variable values
    such as an unknown enum value or a non-integer amount): they say which input is wrong and
    are never masked.
    """
    original = error.original_error
    return error.path is not None and original is not None and not isinstance(original, PublicError)


def oversized_list(value: Any, limit: int, path: str = "variables") -> str | None:
    """Where the first list longer than ``limit`` is in a variables value (``variables.i.photoUrls``), or ``None``."""
    if isinstance(value, list):
        if len(value) > limit:
            return f"{path} has {len(value)} items; at most {limit} are accepted"
        items: Any = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()
    else:
        return None
    for key, item in items:
        found = oversized_list(item, limit, f"{path}.{key}")
        if found is not None:
            return found
    return None


class ListSizeLimiter(SchemaExtension):
    """Refuse an operation whose variables hold a list longer than the limit, before anything runs."""

    def __init__(self, *, max_items: int) -> None:
        self.max_items = max_items

    def on_execute(self) -> Iterator[None]:
        found = oversized_list(self.execution_context.variables or {}, self.max_items)
        if found is not None:
            self.execution_context.result = ExecutionResult(data=None, errors=[GraphQLError(f"the list at {found}")])
        yield


CACHED_DOCUMENTS = 512
"""Distinct operation texts whose parse and validation are kept (clients send the same few operations)."""


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """The limits, in the order they should run, and error masking last (fresh per operation).

    Parsing and validation are cached per operation text (strawberry's LRU caches, shared by the
    per-operation extensions). The depth, alias and introspection rules are built once, so that
    the rules of every operation are the same objects and a validation can be found in the cache.
    """
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
        *([] if settings.graphql_introspection else [NoSchemaIntrospectionCustomRule]),
    ]
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ListSizeLimiter(max_items=settings.graphql_max_list_items),
        lambda: AddValidationRules(rules),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Internal server error."),
    ]
