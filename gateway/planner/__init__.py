"""The query planner: the query graph, path finding over it, the fetch dependency graph, plan printing.

``plan(supergraph, operation, fragments)`` turns a validated operation into a :class:`Plan` the
executor runs; the query graph of a supergraph is built once and kept with it.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import FragmentDefinitionNode, OperationDefinitionNode

from gateway.model import Supergraph
from gateway.planner.builder import Builder, PlanningError
from gateway.planner.fetch_graph import EntityPart, FetchNode, Input, Target
from gateway.planner.graph import QueryGraph
from gateway.planner.merging import merge_fetches
from gateway.planner.plans import Plan, variable_definitions
from gateway.planner.printing import print_plan
from gateway.planner.requests import request_document
from gateway.planner.subgraph_schemas import invalid_request

__all__ = ["EntityPart", "FetchNode", "Input", "Plan", "PlanningError", "QueryGraph", "Target", "plan", "print_plan", "query_graph"]


def query_graph(supergraph: Supergraph) -> QueryGraph:
    """The query graph of a supergraph (built on first use)."""
    found = supergraph.derived.get("query_graph")
    if not isinstance(found, QueryGraph):
        found = supergraph.derived["query_graph"] = QueryGraph(supergraph)
    return found


def plan(supergraph: Supergraph, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> Plan:
    """Plan ``operation`` (already validated against the API schema); :class:`PlanningError` names what cannot be planned."""
    root = supergraph.schema.get_root_type(operation.operation)
    if root is None:
        raise PlanningError(f"the graph has no {operation.operation.value} type")
    builder = Builder(query_graph(supergraph), fragments)
    try:
        builder.operation(operation, root.name)
    except RecursionError as error:
        raise PlanningError("the operation nests too deeply to plan") from error
    except (KeyError, AssertionError, AttributeError, TypeError, ValueError) as error:  # a planner bug: refuse, never guess
        raise PlanningError(f"the planner cannot handle this operation ({type(error).__name__}: {error})") from error
    graph = builder.graph
    conditions = {node: directives for node, directives in builder.conditions.items() if directives}
    walked = Plan(
        operation,
        fragments,
        builder.fetches.nodes,
        builder.local,
        root.name,
        variable_definitions(operation),
        graph.hidden_enums,
        conditions,
    )
    try:
        nodes, merged_conditions = merge_fetches(walked.nodes, conditions)
    except (KeyError, AssertionError, AttributeError, TypeError, ValueError) as error:  # a merging bug: refuse, never guess
        raise PlanningError(f"the planner cannot merge this operation's requests ({type(error).__name__}: {error})") from error
    if len(nodes) < len(walked.nodes):
        merged = replace(walked, nodes=nodes, conditions=merged_conditions)
        try:
            _check(graph, merged)
        except PlanningError:
            pass  # the merged requests are refused where the walk's would not be (fields that cannot merge): send the walk's
        else:
            return merged
    _check(graph, walked)
    return walked


def _check(graph: QueryGraph, planned: Plan) -> None:
    """Every request valid for its subgraph, or the plan is refused (a planner fault never reaches a subgraph)."""
    schemas = graph.subgraph_schemas
    for node in planned.nodes:
        schema = schemas.get(node.subgraph)
        if schema is None:
            continue
        text, _ = request_document(node, planned.operation.operation.value, planned.variable_definitions)
        reason = invalid_request(schema, text)
        if reason is not None:
            raise PlanningError(f"the plan would send subgraph {node.subgraph} a request it refuses: {reason}")
