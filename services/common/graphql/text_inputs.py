"""Every mutation's input checked by the text rule before its resolver runs.

:class:`PlainTextInputs` is added to every root mutation field by :class:`FederatedSchema`: it
walks the (already coerced) ``input`` argument — nested inputs, lists, every string — and, at the
first string the rule refuses, answers the mutation's own payload with one
``InvalidInputError`` (code ``INVALID_CHARACTERS``) naming the field's path, e.g. ``title`` or
``proposal.team.1``, without calling the resolver: nothing is stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryList, get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from services.common.graphql.errors import InvalidInputError
from services.common.text import INVALID_CHARACTERS, text_problem

__all__ = ["PlainTextInputs", "first_bad_text"]


def first_bad_text(value: object, path: str = "", *, multiline: bool = False) -> tuple[str, str] | None:
    """``(field path, why)`` of the first string in ``value`` the text rule refuses; None if all pass."""
    for where, text, lines in _strings(value, path, multiline):
        problem = text_problem(text, multiline=lines)
        if problem is not None:
            return where, problem
    return None


def _strings(value: object, path: str, multiline: bool) -> Iterator[tuple[str, str, bool]]:
    if isinstance(value, str):
        yield path, value, multiline
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index), multiline)
        return
    definition = get_object_definition(value) if not isinstance(value, type) else None
    if definition is None or not definition.is_input:
        return
    for field in definition.fields:
        name = field.graphql_name or to_camel_case(field.python_name)
        lines = bool(field.metadata.get("multiline")) if field.metadata else False
        yield from _strings(getattr(value, field.python_name, None), f"{path}.{name}" if path else name, lines)


def _refusal(payload_type: Any, field: str, problem: str) -> object:
    """The mutation's payload with nothing changed and the one error: its other fields null, or empty where they are lists."""
    definition = get_object_definition(payload_type)
    lists = {item.python_name for item in definition.fields if isinstance(item.type, StrawberryList)} if definition else set()
    values: dict[str, object] = {
        item.name: [] if item.name in lists else None
        for item in dataclasses.fields(payload_type)
        if item.init and item.name != "errors" and item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
    }
    return payload_type(**values, errors=[InvalidInputError(message=problem, field=field, code=INVALID_CHARACTERS)])


class PlainTextInputs(FieldExtension):
    """Refuse control and bidirectional-override characters in a mutation's input (the kernel's text rule)."""

    payload_type: Any = None

    def apply(self, field: StrawberryField) -> None:
        """Remember the mutation's payload type, to answer with it."""
        self.payload_type = field.type

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        """Synchronous resolvers: the same check."""
        found = first_bad_text(kwargs.get("input"))
        if found is not None:
            return _refusal(self._payload_type(), *found)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        """Check the input; answer the refusal, or run the resolver."""
        found = first_bad_text(kwargs.get("input"))
        if found is not None:
            return _refusal(self._payload_type(), *found)
        return await next_(source, info, **kwargs)

    def _payload_type(self) -> Any:
        return self.payload_type
