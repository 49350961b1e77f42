"""Shaping a response exactly as the operation asked, from the merged subgraph answers.

Fields by response key (aliases, fragments by runtime type, ``@skip``/``@include`` decided),
one response key selected twice merged, ``__typename``, GraphQL's null bubbling, and enum values
the API hides turned into null with an error.

An :class:`OperationShape` is made once per cached plan. It compiles the operation into
shaping programs (:mod:`gateway.shaping_run`): one table per selection set and object type,
with the fragments applied, the fields of one response key merged, the field types turned into
completion chains, and the programs of an abstract type's runtime types compiled the first time
each is seen. ``@skip``/``@include`` are decided per request: the programs are kept per vector of
decisions (the operation's conditional selections, in order), so an operation without such
directives has exactly one set of programs. Shaping a response is then one pass over the tree.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    get_directive_values,
    is_abstract_type,
)
from graphql.execution.values import VariableValues

from gateway import shaping_native
from gateway.shaping_run import (
    C_ABSTRACT,
    C_ENUM,
    C_LEAF,
    C_LIST,
    C_OBJECT,
    COMPLETE,
    FAILED,
    INTERNAL,
    LEAF,
    NON_NULL_LEAF,
    TYPENAME,
    Completion,
    Program,
)

__all__ = ["FAILED", "OperationShape", "implementation", "included", "merge", "typename", "use"]

_implementation: ModuleType = shaping_native.selected()

typename: Callable[[Mapping[str, Any]], str | None] = _implementation.typename
"""The object's type: the internal ``__typename`` the gateway asked for, else the client's (of the build chosen at start)."""
merge: Callable[[dict[str, Any], Mapping[str, Any]], None] = _implementation.merge
"""Merges a subgraph's answer into the tree (of the build chosen at start: called once per entity, so bound here, not per request)."""


def implementation() -> ModuleType:
    """The build of :mod:`gateway.shaping_run` that new operations shape with (compiled by mypyc, else pure Python)."""
    return _implementation


def use(module: ModuleType) -> ModuleType:
    """Shape operations planned from now on with this build (one of :func:`gateway.shaping_native.implementations`); returns the previous one."""
    global _implementation
    previous, _implementation = _implementation, module
    return previous


KEPT_DECISIONS = 32
"""Programs kept per operation for this many different vectors of ``@skip``/``@include`` decisions."""

ParentType = GraphQLObjectType | GraphQLInterfaceType


def included(node: SelectionNode, variables: VariableValues | None) -> bool:
    """Whether ``@skip``/``@include`` on the node let it in, for these variables."""
    if not node.directives:
        return True
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and include.get("if") is False)


class OperationShape:
    """The shaping programs of one operation (kept with its cached plan)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        selection_set: SelectionSetNode,
        fragments: dict[str, FragmentDefinitionNode],
        root: GraphQLObjectType,
        enums: frozenset[str] = frozenset(),
        build: ModuleType | None = None,
    ) -> None:
        self.build = build or _implementation
        """The build of :mod:`gateway.shaping_run` whose tables and loop this operation uses."""
        self.schema = schema
        self.selection_set = selection_set
        self.fragments = fragments
        self.root = root
        self.enums = enums
        self.conditional = _conditional([selection_set, *(fragment.selection_set for fragment in fragments.values())])
        """Every selection with directives (in one fixed order): their decisions select the programs."""
        self._programs: OrderedDict[tuple[bool, ...], Program] = OrderedDict()
        self.representers: dict[tuple[int, int, int], dict[str | None, Any]] = {}
        """Per (entity request id, batch, merge path): the build's ``Representer`` of each runtime type met there (None: sent nothing);
        kept here, with the cached plan, so that each is made once (:mod:`gateway.representations`)."""

    def program(self, variables: VariableValues | None) -> Program:
        """The root program for these variables' ``@skip``/``@include`` decisions (compiled on first use)."""
        decisions = tuple(included(node, variables) for node in self.conditional)
        found = self._programs.get(decisions)
        if found is None:
            decided = {id(node): decision for node, decision in zip(self.conditional, decisions, strict=True)}
            compiler = _Compiler(self.build, self.schema, self.fragments, decided, self.enums)
            found = self._programs[decisions] = compiler.program((self.selection_set,), self.root)
            if len(self._programs) > KEPT_DECISIONS:
                self._programs.popitem(last=False)
        else:
            self._programs.move_to_end(decisions)
        return found

    def shape(self, data: dict[str, Any], variables: VariableValues | None, errors: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The response's ``data``: None when a non-null root field is null (its error appended to ``errors``)."""
        shaped: dict[str, Any] | None = self.build.Run(errors).object(data, self.program(variables), ())
        return shaped


class _Compiler:
    """Compiles programs for one vector of ``@skip``/``@include`` decisions."""

    def __init__(
        self,
        build: ModuleType,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        decided: dict[int, bool],
        enums: frozenset[str],
    ) -> None:
        self.program_type: type[Program] = build.Program
        self.completion_type: type[Completion] = build.Completion
        self.schema = schema
        self.fragments = fragments
        self.decided = decided
        self.enums = enums

    def program(self, selection_sets: tuple[SelectionSetNode, ...], parent: ParentType) -> Program:
        """The rows of these selection sets (the field's occurrences under one response key) for ``parent``."""
        order: list[str] = []
        occurrences: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            for node in self._fields(selection_set, parent):
                key = node.alias.value if node.alias else node.name.value
                if key not in occurrences:
                    if node.name.value != "__typename" and node.name.value not in parent.fields:
                        continue
                    order.append(key)
                    occurrences[key] = []
                occurrences[key].append(node)
        rows: list[tuple[str, str, int, Completion | None]] = []
        for key in order:
            nodes = occurrences[key]
            first = nodes[0]
            alternative = f"{INTERNAL}{parent.name}_{key}"
            if first.name.value == "__typename":
                rows.append((key, alternative, TYPENAME, None))
                continue
            field_type = parent.fields[first.name.value].type
            if first.selection_set is None:
                nested: tuple[SelectionSetNode, ...] = ()
            else:
                nested = tuple(node.selection_set for node in nodes if node.selection_set is not None)
            completion = self._completion(field_type, first.name.value, nested)
            if completion.kind == C_LEAF:
                rows.append((key, alternative, NON_NULL_LEAF if completion.non_null else LEAF, completion))
            else:
                rows.append((key, alternative, COMPLETE, completion))
        return self.program_type(parent.name, rows)

    def _completion(self, type_: GraphQLOutputType, field_name: str, nested: tuple[SelectionSetNode, ...]) -> Completion:
        non_null = isinstance(type_, GraphQLNonNull)
        named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(named, GraphQLList):
            completion = self.completion_type(C_LIST, non_null, field_name)
            completion.item = self._completion(named.of_type, field_name, nested)
            return completion
        if not nested:
            if self.enums and isinstance(named, GraphQLEnumType) and named.name in self.enums:
                completion = self.completion_type(C_ENUM, non_null, field_name)
                completion.enum_name = named.name
                completion.enum_values = frozenset(named.values)
                return completion
            return self.completion_type(C_LEAF, non_null, field_name)
        if isinstance(named, GraphQLObjectType):
            completion = self.completion_type(C_OBJECT, non_null, field_name)
            completion.program = self.program(nested, named)
            return completion
        completion = self.completion_type(C_ABSTRACT, non_null, field_name)
        completion.resolve = self._resolver(nested)
        return completion

    def _resolver(self, nested: tuple[SelectionSetNode, ...]) -> Callable[[str], Program | None]:
        def resolve(name: str) -> Program | None:
            runtime = self.schema.get_type(name)
            # An interface: from a subgraph that sees it as an object, asked for no type condition (its fields are the interface's).
            if isinstance(runtime, GraphQLObjectType | GraphQLInterfaceType):
                return self.program(nested, runtime)
            return None

        return resolve

    def _fields(self, selection_set: SelectionSetNode, parent: ParentType) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if selection.directives and not self.decided[id(selection)]:
                continue
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition.name.value if selection.type_condition else None, parent):
                    yield from self._fields(selection.selection_set, parent)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if self._applies(fragment.type_condition.name.value, parent):
                    yield from self._fields(fragment.selection_set, parent)

    def _applies(self, condition: str | None, parent: ParentType) -> bool:
        if condition is None or condition == parent.name:
            return True
        condition_type = self.schema.get_type(condition)
        return condition_type is not None and is_abstract_type(condition_type) and self.schema.is_sub_type(condition_type, parent)


def _conditional(selection_sets: list[SelectionSetNode]) -> list[SelectionNode]:
    """Every selection with directives in these selection sets and below (level by level, in a fixed order)."""
    found: list[SelectionNode] = []
    stack = list(reversed(selection_sets))
    while stack:
        selection_set = stack.pop()
        for selection in selection_set.selections:
            if selection.directives:
                found.append(selection)
        stack.extend(
            selection.selection_set
            for selection in reversed(selection_set.selections)
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None
        )
    return found
