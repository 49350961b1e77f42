"""How large a document becomes once its fragments are expanded, worked out in one linear pass.

Every later pass over an operation (validation rules, depth, aliases, cost, planning, shaping)
walks the selections with fragment spreads expanded. A small document whose fragments each
spread the next two expands exponentially (``F0 → F1 F1' → …``), so it is refused here, before
any of those passes runs: each fragment's expanded size is computed once and memoized, the walk
is iterative (no recursion limit to hit on deep nesting), and a fragment that spreads itself is
refused too (the validation rule would report it; expanding it first would never end).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

__all__ = ["DEFAULT_MAX_EXPANDED_SELECTIONS", "Oversized", "expanded_size", "oversized_document"]

DEFAULT_MAX_EXPANDED_SELECTIONS = 10_000
"""Fields and fragment spreads an operation may select once fragments are expanded."""


@dataclass(frozen=True)
class Oversized:
    """Why a document is refused before validation: a message for the client and a code."""

    message: str
    code: str = "OPERATION_TOO_LARGE"


class _Cycle(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def expanded_size(document: DocumentNode) -> int:
    """Selections (fields and spreads) of every operation of ``document`` with fragments expanded.

    Linear in the document: each fragment's size is computed once. Python integers do not
    overflow, so a fragment bomb gets its true (huge) size. Raises :class:`_Cycle` on a
    fragment that spreads itself, directly or through others.
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    sizes: dict[str, int] = {}
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total += _size(definition.selection_set, fragments, sizes)
    for name, fragment in fragments.items():
        if name not in sizes:  # never spread by an operation, but validated all the same
            total += _size(fragment.selection_set, fragments, sizes, name)
    return total


def _size(root: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], sizes: dict[str, int], name: str | None = None) -> int:
    """Expanded size of ``root`` (the fragment ``name``'s, if given); an explicit stack, so nesting costs no recursion."""
    # Each frame: the selections left to look at, the running size, the fragment it computes (if any).
    stack: list[tuple[list[object], list[int], str | None]] = [(list(root.selections), [0], name)]
    expanding: set[str] = {name} if name is not None else set()
    result = 0
    while stack:
        pending, running, fragment_name = stack[-1]
        if not pending:
            stack.pop()
            size = running[0]
            if fragment_name is not None:
                sizes[fragment_name] = size
                expanding.discard(fragment_name)
            if stack:
                stack[-1][1][0] += size
            else:
                result = size
            continue
        selection = pending.pop()
        if isinstance(selection, FieldNode):
            running[0] += 1
            if selection.selection_set is not None:
                stack.append((list(selection.selection_set.selections), [0], None))
        elif isinstance(selection, InlineFragmentNode):
            stack.append((list(selection.selection_set.selections), [0], None))
        elif isinstance(selection, FragmentSpreadNode):
            running[0] += 1
            spread = selection.name.value
            if spread in sizes:
                running[0] += sizes[spread]
            elif spread in expanding:
                raise _Cycle(spread)
            elif spread in fragments:
                expanding.add(spread)
                stack.append((list(fragments[spread].selection_set.selections), [0], spread))
    return result


def oversized_document(document: DocumentNode, limit: int = DEFAULT_MAX_EXPANDED_SELECTIONS) -> Oversized | None:
    """Why ``document`` must be refused before validation, or ``None`` when it may be validated."""
    try:
        size = expanded_size(document)
    except _Cycle as cycle:
        return Oversized(f'Cannot spread fragment "{cycle.name}" within itself.', "GRAPHQL_VALIDATION_FAILED")
    if size > limit:
        shown = f"{size:,}" if size < 10**12 else f"about 10^{len(str(size)) - 1}"
        return Oversized(f"the operation selects {shown} fields once its fragments are expanded; at most {limit:,} are allowed")
    return None
