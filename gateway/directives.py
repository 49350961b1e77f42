"""Reading the ``join__``/``link`` directives of a supergraph SDL: one directive, all of a name, their arguments."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import BooleanValueNode, ConstDirectiveNode, EnumValueNode, StringValueNode

__all__ = ["all_named", "boolean_argument", "enum_argument", "named", "string_argument"]


def named(directives: Iterable[ConstDirectiveNode] | None, name: str) -> ConstDirectiveNode | None:
    """The first directive called ``name``."""
    return next((d for d in directives or () if d.name.value == name), None)


def all_named(directives: Iterable[ConstDirectiveNode] | None, name: str) -> list[ConstDirectiveNode]:
    """Every directive called ``name`` (join directives are repeatable)."""
    return [d for d in directives or () if d.name.value == name]


def string_argument(directive: ConstDirectiveNode | None, name: str) -> str | None:
    """A string argument's value, if the directive has it."""
    for argument in directive.arguments or () if directive is not None else ():
        if argument.name.value == name and isinstance(argument.value, StringValueNode):
            return argument.value.value
    return None


def enum_argument(directive: ConstDirectiveNode, name: str) -> str | None:
    """An enum argument's value (a ``join__Graph``), if the directive has it."""
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, EnumValueNode):
            return argument.value.value
    return None


def boolean_argument(directive: ConstDirectiveNode, name: str, default: bool = False) -> bool:
    """A boolean argument's value, or ``default`` when it is not given."""
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, BooleanValueNode):
            return argument.value.value
    return default
