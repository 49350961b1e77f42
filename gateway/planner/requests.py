"""The text of each request a plan sends, and the variables it declares (printed once per cached plan)."""

from __future__ import annotations

from gateway.planner.fetch_graph import FetchNode

__all__ = ["batch_alias", "batch_variable", "request_document"]


def batch_alias(index: int) -> str:
    """The response key of a request's ``index``-th ``_entities`` field (``_entities`` for the first)."""
    return "_entities" if index == 0 else f"_entities_{index}"


def batch_variable(index: int) -> str:
    """The variable holding the representations of the ``index``-th ``_entities`` field."""
    return "__representations" if index == 0 else f"__representations_{index}"


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
        fields = []
        extra = []
        for index, batch in enumerate(node.batches()):
            for part in batch[0].parts.values():
                names |= part.tree.all_variables()
            alias = "" if index == 0 else f"{batch_alias(index)}: "
            fields.append(f"{alias}_entities(representations: ${batch_variable(index)}) {{ {batch[0].selection} }}")
            extra.append(f"${batch_variable(index)}: [_Any!]!")
        selection = f"{{ {' '.join(fields)} }}"
    declared = [definitions[name] for name in sorted(names) if name in definitions] + extra
    header = f"{operation}({', '.join(declared)})" if declared else operation
    node.document = (f"{header} {selection}", frozenset(names))
    return node.document
