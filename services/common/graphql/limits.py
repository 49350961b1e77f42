"""Schema extensions every subgraph runs: depth, alias, token and list-size limits, masked internal errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
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
)
from strawberry.schema.schema import validate_document

from services.common.graphql.errors import PublicError
from services.common.graphql.expansion import oversized_document
from services.common.settings import Settings

__all__ = ["BoundedValidation", "ListSizeLimiter", "oversized_list", "schema_extensions", "should_mask"]


def should_mask(error: GraphQLError) -> bool:
    """Mask what broke while resolving a field, unless it is a deliberate :class:`PublicError`.

    Errors without a path are about the request itself (syntax, validation, variable values
    such as an unknown enum value or a non-integer amount): they say which input is wrong and
    are never masked.
    """
    original = error.original_error
    return error.path is not None and original is not None and not isinstance(original, PublicError)


MAX_VARIABLES_NESTING = 64
"""Deepest nesting of lists and objects accepted in the variables (inputs here nest a few levels)."""


def oversized_list(value: Any, limit: int, path: str = "variables") -> str | None:
    """Where the first list longer than ``limit`` is in a variables value (``variables.i.photoUrls``), or ``None``.

    Iterative, so a value nested a thousand levels deep (as JSON allows) is refused, not a
    recursion error: nesting deeper than :data:`MAX_VARIABLES_NESTING` is reported the same way.
    """
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        current, where, depth = stack.pop()
        if isinstance(current, list):
            if len(current) > limit:
                return f"{where} has {len(current)} items; at most {limit} are accepted"
            items: Any = enumerate(current)
        elif isinstance(current, dict):
            items = current.items()
        else:
            continue
        if depth >= MAX_VARIABLES_NESTING:
            return f"{where} is nested more than {MAX_VARIABLES_NESTING} levels deep"
        stack.extend((item, f"{where}.{key}", depth + 1) for key, item in reversed(list(items)))
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

_validated = lru_cache(maxsize=CACHED_DOCUMENTS)(validate_document)
"""Validation per (schema, parsed document, rules); the parser cache hands out one document per text."""


class BoundedValidation(SchemaExtension):
    """Validate (cached per operation text) only a document whose fragments expand to a bounded size.

    The validation rules walk fragment spreads expanded; a fragment bomb is refused first, in
    one linear pass (:func:`~services.common.graphql.expansion.oversized_document`), so that no
    rule ever sees it.
    """

    def __init__(self, *, max_selections: int) -> None:
        self.max_selections = max_selections

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        oversized = oversized_document(context.graphql_document, self.max_selections)
        if oversized is not None:
            context.pre_execution_errors = [GraphQLError(oversized.message, extensions={"code": oversized.code})]
        else:
            context.pre_execution_errors = _validated(context.schema._schema, context.graphql_document, context.validation_rules)
        yield


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
        lambda: BoundedValidation(max_selections=settings.graphql_max_expanded_selections),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Internal server error."),
    ]
