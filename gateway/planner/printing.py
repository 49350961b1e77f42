"""Plans as text: one line per request, with what it waits for, where it merges and what it sends."""

from __future__ import annotations

from gateway.planner.fetch_graph import FetchNode, Input
from gateway.planner.plans import Plan

__all__ = ["print_plan"]


def print_plan(plan: Plan) -> str:
    """The plan, requests in the order they may start (a request waits for the ones after ``after``)."""
    lines = [f"QueryPlan ({plan.operation.operation.value}) {{"]
    for node in plan.nodes:
        lines.append("  " + _node(node))
    if plan.local_fields:
        lines.append(f"  Local: {len(plan.local_fields)} introspection field(s)")
    lines.append("}")
    return "\n".join(lines)


def _node(node: FetchNode) -> str:
    after = f" after {', '.join(f'#{d}' for d in sorted(node.depends))}" if node.depends else ""
    if node.is_root:
        return f"Fetch #{node.id} [{node.subgraph}]{after} {node.root_tree.print()}"
    targets = []
    for target in node.targets:
        at = ".".join(target.path) or "(root)"
        parts = []
        for part in target.parts.values():
            representation = "{ __typename " + " ".join(_input(item) for item in part.inputs) + " }"
            parts.append(f"... on {part.entity_type} {part.tree.print()} <- {representation}")
            if part.interface_object:
                parts[-1] += " (interface object)"
        targets.append(f"at {at}: _entities {' '.join(parts)}")
    return f"Fetch #{node.id} [{node.subgraph}]{after} {'; '.join(targets)}"


def _input(item: Input) -> str:
    below = f" {{ {' '.join(_input(child) for child in item.below)} }}" if item.below else ""
    if item.type_condition is not None:
        return f"... on {item.type_condition}{below}"
    return f"{item.name}{below}"
