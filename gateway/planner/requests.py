"""The text of each request a plan sends, and the variables it declares (printed once per cached plan)."""

from __future__ import annotations

from gateway.planner.fetch_graph import FetchNode

__all__ = ["request_document"]

REPRESENTATIONS = "$__representations: [_Any!]!"


def request_document(node: FetchNode, operation: str, definitions: dict[str, str]) -> tuple[str, frozenset[str]]:
    """``(text, variable names)`` of ``node``'s request; ``definitions`` are the operation's variable definitions by name."""
    if node.document is not None:
        return node.document
    if node.is_root:
        names = node.root_tree.all_variables()
        selection = node.root_tree.print()
        extra: list[str] = []
    else:
        operation = "query"
        names = set()
        parts = []
        for part in node.parts.values():
            names |= part.tree.all_variables()
            parts.append(f"... on {part.entity_type} {part.tree.print()}")
        selection = f"{{ _entities(representations: $__representations) {{ {' '.join(parts)} }} }}"
        extra = [REPRESENTATIONS]
    declared = [definitions[name] for name in sorted(names) if name in definitions] + extra
    header = f"{operation}({', '.join(declared)})" if declared else operation
    node.document = (f"{header} {selection}", frozenset(names))
    return node.document
