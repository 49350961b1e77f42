"""Executing one GraphQL request over the supergraph: parse, validate, limit, plan (cached), run."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute,
    get_operation_ast,
    parse,
    print_ast,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues, get_variable_values

from gateway.client import SubgraphClient
from gateway.execution import Execution, shape_of
from gateway.limits import estimated_cost, limit_rules, sizing_variables
from gateway.model import Supergraph
from gateway.planning import Plan, PlanningError, plan
from gateway.settings import GatewaySettings
from gateway.shaping import OperationShape
from services.common.graphql.expansion import oversized_document
from services.common.graphql.limits import oversized_list

__all__ = ["Gateway", "RawPayload", "Upstream"]

PLAN_CACHE_SIZE = 1_000
COSTS_KEPT = 64
"""Estimated costs kept per plan (one per vector of the list-sizing variables' values)."""


def _error(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


class Gateway:
    """The federated graph's executor; one per process, shared by requests."""

    def __init__(self, supergraph: Supergraph, client: SubgraphClient, settings: GatewaySettings) -> None:
        self.supergraph = supergraph
        self._client = client
        self._settings = settings
        self._rules = [*specified_rules, *limit_rules(settings.graphql_max_depth, settings.graphql_max_aliases)]
        if not settings.graphql_introspection:
            self._rules.append(NoSchemaIntrospectionCustomRule)
        self._plans: OrderedDict[tuple[str, str | None], tuple[DocumentNode, Plan, OperationShape]] = OrderedDict()

    async def execute(self, body: Mapping[str, Any], headers: dict[str, str], *, allow_mutations: bool = True) -> dict[str, Any]:
        """A GraphQL response for one query or mutation."""
        prepared = self._prepare(body)
        if isinstance(prepared, dict):
            return prepared
        operation = prepared.plan.operation.operation
        if operation is OperationType.MUTATION and not allow_mutations:
            return _error("mutations are sent with POST", "BAD_REQUEST")
        if operation is OperationType.SUBSCRIPTION:
            return _error("subscriptions are served over WebSocket (graphql-transport-ws)", "BAD_REQUEST")
        response = await self._execution(prepared, headers).run()
        if prepared.plan.local_fields:
            self._local(prepared.plan, prepared.values.coerced, response)
        return response

    async def subscribe(
        self, body: Mapping[str, Any], headers: dict[str, str], *, upstream: Upstream
    ) -> AsyncIterator[dict[str, Any] | RawPayload]:
        """Responses of a subscription: the owning subgraph's events, each joined with the other subgraphs' fields.

        ``upstream`` runs the subgraph's subscription: the sockets of :mod:`gateway.websocket_upstream`, which carry many
        subscriptions (the only graphql-transport-ws client of the gateway); a :class:`RawPayload` it yields is passed on as it is when the
        subscription is one subgraph's field with nothing to join, hide or decide (:func:`_direct`), else shaped.
        """
        prepared = self._prepare(body)
        if isinstance(prepared, dict):
            yield prepared
            return
        if prepared.plan.operation.operation is not OperationType.SUBSCRIPTION:
            yield await self.execute(body, headers)
            return
        roots = [fetch for step in prepared.plan.steps for fetch in step]
        if len(roots) != 1 or prepared.plan.local_fields:
            yield _error("a subscription selects root fields of one subgraph", "BAD_REQUEST")
            return
        query, variables = self._execution(prepared, headers).document_for(roots[0])
        direct = _direct(prepared.plan, query)
        async for event in upstream(roots[0].subgraph, query, variables, headers):
            if isinstance(event, RawPayload):
                if direct and not event.has_errors:
                    yield event
                    continue
                event = event.parsed()
            yield await self._execution(prepared, headers).run_event(roots[0], event)

    def _prepare(self, body: Mapping[str, Any]) -> _Prepared | dict[str, Any]:
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            return _error("send a GraphQL `query` string", "BAD_REQUEST")
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return _error("`variables` must be an object", "BAD_REQUEST")
        oversized = oversized_list(variables, self._settings.graphql_max_list_items)
        if oversized is not None:
            return _error(f"the list at {oversized}", "BAD_USER_INPUT")
        operation_name = body.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            return _error("`operationName` must be a string", "BAD_REQUEST")
        try:
            _, planned, shape = self._plan(query, operation_name)
        except GraphQLError as error:
            code = (
                "GRAPHQL_PARSE_FAILED"
                if "Syntax Error" in error.message or "token" in error.message.lower()
                else "GRAPHQL_VALIDATION_FAILED"
            )
            return {"errors": [{**error.formatted, "extensions": {"code": code}}]}
        except _Refused as refused:
            return {"errors": refused.errors}
        operation = planned.operation
        values = get_variable_values(self.supergraph.schema, operation.variable_definitions or (), variables)
        if isinstance(values, list):
            return {"errors": [{**error.formatted, "extensions": {"code": "BAD_USER_INPUT"}} for error in values]}
        cost = self._cost(planned, values.coerced)
        if cost > self._settings.max_cost:
            return _error(
                f"the operation may resolve about {cost} fields, more than the {self._settings.max_cost} allowed", "COST_LIMIT_EXCEEDED"
            )
        variable_types = {d.variable.name.value: print_ast(d.type) for d in operation.variable_definitions or ()}
        raw = {name: variables[name] for name in variable_types if name in variables}
        return _Prepared(planned, values, raw, variable_types, shape)

    def _execution(self, prepared: _Prepared, headers: dict[str, str]) -> Execution:
        async def call(subgraph: str, subgraph_query: str, subgraph_variables: dict[str, Any]) -> dict[str, Any]:
            return await self._client.post(subgraph, subgraph_query, subgraph_variables, headers)

        return Execution(
            prepared.plan, self.supergraph.schema, prepared.raw, call, prepared.variable_types, prepared.values, shape=prepared.shape
        )

    def _plan(self, query: str, operation_name: str | None) -> tuple[DocumentNode, Plan, OperationShape]:
        """The validated document, its plan and its shaping programs, cached per (text, operation name)."""
        key = (query, operation_name)
        cached = self._plans.get(key)
        if cached is not None:
            self._plans.move_to_end(key)
            return cached
        document = parse(query, max_tokens=self._settings.graphql_max_tokens)
        oversized = oversized_document(document, self._settings.graphql_max_expanded_selections)
        if oversized is not None:
            raise _Refused([{"message": oversized.message, "extensions": {"code": oversized.code}}])
        errors = validate(self.supergraph.schema, document, self._rules)
        if errors:
            raise _Refused([{**error.formatted, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}} for error in errors])
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            raise _Refused([{"message": "name the operation to run with `operationName`", "extensions": {"code": "BAD_REQUEST"}}])
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        try:
            planned = plan(self.supergraph, operation, fragments)
        except PlanningError as error:
            raise _Refused(
                [{"message": f"cannot plan this operation: {error}", "extensions": {"code": "QUERY_PLANNING_FAILED"}}]
            ) from error
        cached = self._plans[key] = (document, planned, shape_of(planned, self.supergraph.schema))
        if len(self._plans) > PLAN_CACHE_SIZE:
            self._plans.popitem(last=False)
        return cached

    def _cost(self, planned: Plan, variables: dict[str, Any]) -> int:
        """The operation's estimated cost, worked out once per vector of the values of the variables that size lists."""
        operation = planned.operation
        if planned.sizing is None:
            planned.sizing = sizing_variables([operation.selection_set, *(f.selection_set for f in planned.fragments.values())])
        key: tuple[Any, ...] | None = tuple(variables.get(name) for name in planned.sizing)
        try:
            known = planned.costs.get(key) if key is not None else None
        except TypeError:  # an unhashable value (a list where an Int goes): worked out each time
            known, key = None, None
        if known is None:
            known = estimated_cost(self.supergraph.schema, operation.selection_set, self._root(operation), planned.fragments, variables)
            if key is not None and len(planned.costs) < COSTS_KEPT:
                planned.costs[key] = known
        return known

    def _root(self, operation: OperationDefinitionNode) -> Any:
        return self.supergraph.schema.get_root_type(operation.operation)

    def _local(self, planned: Plan, variables: dict[str, Any], response: dict[str, Any]) -> None:
        """Introspection (``__schema``, ``__type``) and root ``__typename`` answered from the API schema."""
        operation = OperationDefinitionNode(
            operation=planned.operation.operation,
            variable_definitions=planned.operation.variable_definitions,
            selection_set=SelectionSetNode(selections=tuple(planned.local_fields)),
        )
        local_document = DocumentNode(definitions=(operation, *planned.fragments.values()))
        result = execute(self.supergraph.schema, local_document, variable_values=variables)
        assert isinstance(result, ExecutionResult)
        if response.get("data") is not None and result.data:
            response["data"] = _ordered(planned, {**response["data"], **result.data})
        for error in result.errors or ():
            response.setdefault("errors", []).append(error.formatted)


def _ordered(planned: Plan, data: dict[str, Any]) -> dict[str, Any]:
    """Root fields in the order the operation asked them."""
    keys = [s.alias.value if s.alias else s.name.value for s in planned.operation.selection_set.selections if isinstance(s, FieldNode)]
    return {key: data[key] for key in keys if key in data} | {key: value for key, value in data.items() if key not in keys}


@dataclass(frozen=True)
class _Prepared:
    plan: Plan
    values: VariableValues
    raw: dict[str, Any]
    variable_types: dict[str, str]
    shape: OperationShape


@dataclass(frozen=True, slots=True)
class RawPayload:
    """A subgraph's subscription payload as the JSON text it sent (parsed only if it must be shaped)."""

    text: str

    @property
    def has_errors(self) -> bool:
        """Might it carry errors (then it is shaped: their paths and masking are the gateway's)?"""
        return '"errors"' in self.text

    def parsed(self) -> dict[str, Any]:
        """The payload as a GraphQL response object."""
        payload = orjson.loads(self.text)
        return payload if isinstance(payload, dict) else {}


Upstream = Callable[[str, str, dict[str, Any], dict[str, str]], AsyncIterator[dict[str, Any] | RawPayload]]
"""``(subgraph, query, variables, headers)`` → the subscription's payloads (as :meth:`SubgraphClient.subscribe`)."""


def _direct(planned: Plan, subgraph_query: str) -> bool:
    """Is the subgraph's payload already the response? One fetch, no local fields, no hidden enums, no ``@skip``/``@include``,
    and the subgraph selects exactly what the client selected (no fragments inlined, nothing added for a join)."""
    if len(planned.nodes) != 1 or planned.local_fields or planned.hidden_enums or planned.conditions:
        return False
    sent = parse(subgraph_query).definitions[0]
    return isinstance(sent, OperationDefinitionNode) and print_ast(sent.selection_set) == print_ast(planned.operation.selection_set)


class _Refused(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors
