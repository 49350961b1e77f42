"""In-process subgraphs built from a Federation v2 subgraph SDL and plain data, and a gateway over them.

A case is a folder beside this module: one ``<subgraph>.graphql`` per subgraph and the
``supergraph.graphql`` that ``@apollo/composition`` composed from them (``compose.py``; the tests
themselves need no node). A subgraph answers exactly as its SDL says: graphql-core validates
every request against the subgraph's own schema (so a field or fragment sent to the wrong
subgraph is its validation error), fields resolve from the data given (a callable is called
with the parent object, which for an entity holds its representation, and the arguments), and
``_entities`` resolves each representation with the case's ``entities`` function for its type.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    build_ast_schema,
    graphql,
    parse,
)

from gateway.client import SubgraphClient
from gateway.gateway import Gateway
from gateway.settings import GatewaySettings
from gateway.supergraph_sdl import load_supergraph

__all__ = ["Case", "Federated", "Subgraph", "by_key", "open_case"]

CASES = Path(__file__).parent
FEDERATION_DIRECTIVES = """
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @requires(fields: String!) on FIELD_DEFINITION
directive @provides(fields: String!) on FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @interfaceObject on OBJECT
directive @extends on OBJECT | INTERFACE
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION
directive @fromContext(field: String) on ARGUMENT_DEFINITION
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
scalar _Any
"""
LINK = re.compile(r"extend\s+schema\s*(@link\((?:[^()])*\)\s*)+")

Row = dict[str, Any]
Resolve = Callable[[Row], Row | None]


def by_key(rows: list[Row], *key: str) -> Resolve:
    """An entity resolver: the row whose ``key`` fields equal the representation's, with the representation's fields under it."""

    def resolve(representation: Row) -> Row | None:
        for row in rows:
            if all(row.get(name) == representation.get(name) for name in key):
                return {**representation, **row, "__typename": row.get("__typename", representation["__typename"])}
        return None

    return resolve


@dataclass
class Subgraph:
    """One in-process subgraph: its schema, its data, and the requests it received."""

    name: str
    schema: GraphQLSchema
    root: Row
    entities: dict[str, Resolve]
    requests: list[str] = field(default_factory=list)
    variables: list[dict[str, Any]] = field(default_factory=list)
    """The variables of each request, in order."""

    async def answer(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Execute one request as the subgraph would."""
        self.requests.append(query)
        self.variables.append(variables)
        root = {**self.root, "_entities": self._entities}
        result = await graphql(
            self.schema, query, root_value=root, variable_values=variables, field_resolver=_resolve, type_resolver=_type_of
        )
        return dict(result.formatted)

    def _entities(self, _: Row, representations: list[Row]) -> list[Row | None]:
        found = []
        for representation in representations:
            resolve = self.entities.get(representation["__typename"])
            found.append(resolve(representation) if resolve is not None else None)
        return found


def _resolve(parent: Any, info: Any, **arguments: Any) -> Any:
    value = parent.get(info.field_name) if isinstance(parent, dict) else None
    return value(parent, **arguments) if callable(value) else value


def _type_of(value: Any, *_: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def subgraph_schema(sdl: str) -> GraphQLSchema:
    """The executable schema of a subgraph SDL: its types plus ``_entities`` over its entities."""
    document = parse(LINK.sub("", sdl))
    keyed: set[str] = set()
    keyed_interfaces: set[str] = set()
    implementations: dict[str, set[str]] = {}
    has_query = False
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            has_query |= definition.name.value == "Query"
            directives = {d.name.value for d in definition.directives or ()}
            if "key" in directives or "interfaceObject" in directives:
                keyed.add(definition.name.value)
            for implemented in definition.interfaces or ():
                implementations.setdefault(implemented.name.value, set()).add(definition.name.value)
        if isinstance(definition, InterfaceTypeDefinitionNode) and any(d.name.value == "key" for d in definition.directives or ()):
            keyed_interfaces.add(definition.name.value)
    for interface in keyed_interfaces:
        keyed |= implementations.get(interface, set())
    extra = FEDERATION_DIRECTIVES
    if keyed:
        extra += f"union _Entity = {' | '.join(sorted(keyed))}\n"
        extra += ("extend type Query" if has_query else "type Query") + " { _entities(representations: [_Any!]!): [_Entity]! }\n"
    return build_ast_schema(parse(LINK.sub("", sdl) + extra))


class InProcess:
    """The gateway's HTTP port, answered by the in-process subgraphs (``http://<name>/graphql``)."""

    def __init__(self, subgraphs: dict[str, Subgraph]) -> None:
        self.subgraphs = subgraphs

    async def post(self, url: str, body: bytes, headers: Any, *, timeout_s: float) -> tuple[int, bytes]:
        """One request to the subgraph named by the URL's host."""
        name = url.split("//", 1)[1].split("/", 1)[0]
        payload = orjson.loads(body)
        answer = await self.subgraphs[name].answer(payload["query"], payload.get("variables") or {})
        return 200, orjson.dumps(answer)

    async def close(self) -> None:
        """Nothing to close."""


@dataclass
class Case:
    """A case's data: root fields and entity resolvers per subgraph."""

    roots: dict[str, Row] = field(default_factory=dict)
    entities: dict[str, dict[str, Resolve]] = field(default_factory=dict)


@dataclass
class Federated:
    """The gateway over a case's subgraphs."""

    gateway: Gateway
    subgraphs: dict[str, Subgraph]

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The gateway's whole response."""
        return await self.gateway.execute({"query": query, "variables": variables or {}}, {})

    def requests(self, subgraph: str) -> list[str]:
        """What one subgraph was sent, in order."""
        return self.subgraphs[subgraph].requests

    def reset(self) -> None:
        """Forget the requests so far."""
        for subgraph in self.subgraphs.values():
            subgraph.requests.clear()
            subgraph.variables.clear()


@asynccontextmanager
async def open_case(name: str, case: Case, settings: GatewaySettings | None = None) -> AsyncIterator[Federated]:
    """The gateway over the folder ``name``'s supergraph and subgraphs, answering from ``case`` (default settings unless given)."""
    folder = CASES / name
    supergraph = load_supergraph((folder / "supergraph.graphql").read_text())
    subgraphs = {}
    for path in sorted(folder.glob("*.graphql")):
        if path.stem == "supergraph":
            continue
        subgraphs[path.stem] = Subgraph(
            path.stem, subgraph_schema(path.read_text()), case.roots.get(path.stem, {}), case.entities.get(path.stem, {})
        )
    client = SubgraphClient(InProcess(subgraphs), supergraph.subgraphs, timeout_s=5)
    yield Federated(Gateway(supergraph, client, settings or GatewaySettings()), subgraphs)
