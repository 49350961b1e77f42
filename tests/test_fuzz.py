"""Property-based fuzzing of the gateway and of each subgraph (hypothesis-graphql, schemathesis's generator).

Queries and mutations are generated from each target's own schema (valid ones, and invalid ones
in the negative mode) and sent with a community staff member's token, the demo district loaded. Whatever is sent, the answer is a GraphQL response,
never a server error, an unhandled exception or a masked internal error; invalid operations are
all refused and change nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from services.common.identity import Role
from services.demo import DISTRICT, HOME
from tests.test_tenancy_matrix import SNAPSHOT, Graph, graph

__all__ = ["graph"]

EXAMPLES = 100


def _field(name: str, value: graphql.ValueNode) -> graphql.ObjectFieldNode:
    return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=value)


SCALARS = {
    "Fen": st.integers(min_value=-(10**12), max_value=10**12).map(nodes.Int),
    "Date": st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)).map(nodes.String),
    "DateTime": st.datetimes(timezones=st.just(dt.UTC)).map(lambda moment: nodes.String(moment.isoformat())),
    "JSON": st.text(max_size=20).map(nodes.String),
    "_Any": st.builds(
        lambda typename, id: nodes.Object([_field("__typename", nodes.String(typename)), _field("id", nodes.String(id))]),
        st.sampled_from(["Need", "ServiceItem", "Claim", "Organization", "Community", "District", "Street", "Nothing"]),
        st.text(max_size=40),
    ),
}


def _generated(strategy: st.SearchStrategy[str], examples: int) -> list[str]:
    """Draw ``examples`` documents, reproducibly (no shrinking needed: each one is sent and judged)."""
    drawn: list[str] = []

    @settings(max_examples=examples, database=None, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(document: str) -> None:
        drawn.append(document)

    collect()
    return drawn


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("target", ["gateway", "needs", "claims", "orgs", "events", "notices", "people"])
async def test_generated_operations_never_break_the_platform(graph: Graph, target: str, mode: Mode) -> None:
    client = graph.client if target == "gateway" else graph.services[target]
    introspection = await client.data(graphql.get_introspection_query())
    schema = graphql.build_client_schema(introspection)  # type: ignore[arg-type]
    strategy = st.one_of(
        queries(schema, custom_scalars=SCALARS, mode=mode, allow_x00=False),
        mutations(schema, custom_scalars=SCALARS, mode=mode, allow_x00=False),
    )
    documents = _generated(strategy, EXAMPLES)
    admin = graph.token("fuzz-admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    before = await graph.client.data(SNAPSHOT, as_=admin)
    failures: list[tuple[str, int, Any]] = []
    refused = 0
    for index, document in enumerate(documents):
        staff = graph.token(f"fuzz-staff-{index}", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
        response = await client.http.post("/graphql", json={"query": document}, headers={"authorization": f"Bearer {staff}"})
        body = response.json()
        messages = [error.get("message", "") for error in body.get("errors") or []]
        refused += bool(messages)
        if (
            response.status_code >= 500
            or not ({"data", "errors"} & set(body))
            or any(re.search(r"internal server error|traceback|exception", message, re.IGNORECASE) for message in messages)
        ):
            failures.append((document[:500], response.status_code, body))

    print(f"fuzz {target} ({mode.name.lower()}): {len(documents)} operations, {refused} answered with errors, {len(failures)} failures")
    assert len(documents) >= EXAMPLES // 2
    assert failures == []
    if mode is Mode.NEGATIVE:  # every one of them was refused, and refusing changed nothing
        assert refused == len(documents)
        assert await graph.client.data(SNAPSHOT, as_=admin) == before
