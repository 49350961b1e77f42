"""Class (c): ``@interfaceObject`` both ways: fields added to every implementation by a subgraph that sees the
interface as an object, and ``__typename`` and fragments resolved by the subgraph that knows the implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.gateway.conformance.harness import Case, Federated, by_key, open_case

ACCOUNTS: list[dict[str, Any]] = [
    {"__typename": "Admin", "id": "u1", "name": "Ann", "role": "owner"},
    {"__typename": "Regular", "id": "u2", "name": "Bob"},
]
ACTIVITY: list[dict[str, Any]] = [
    {"__typename": "Account", "id": key, "lastSeen": seen, "greeting": lambda account: f"hello {account['name']}"}
    for key, seen in (("u1", "monday"), ("u2", "friday"))
]

CASE = Case(
    roots={
        "accounts": {"users": ACCOUNTS},
        "activity": {"recent": [ACTIVITY[1], ACTIVITY[0]], "newest": ACTIVITY[0]},
        "directory": {"staff": [{"__typename": "Admin", "id": "u1"}]},
    },
    entities={
        "accounts": {"Account": by_key(ACCOUNTS, "id"), "Admin": by_key(ACCOUNTS, "id"), "Regular": by_key(ACCOUNTS, "id")},
        "activity": {"Account": by_key(ACTIVITY, "id")},
    },
)


@pytest.fixture
async def accounts() -> AsyncIterator[Federated]:
    async with open_case("interface_object", CASE) as federated:
        yield federated


async def test_a_field_of_the_interface_object_on_every_implementation(accounts: Federated) -> None:
    body = await accounts.query("{ users { id lastSeen } }")

    assert body == {"data": {"users": [{"id": "u1", "lastSeen": "monday"}, {"id": "u2", "lastSeen": "friday"}]}}
    (request,) = accounts.requests("activity")
    assert "... on Account" in request


async def test_typename_from_the_interface_object_is_the_concrete_type(accounts: Federated) -> None:
    body = await accounts.query("{ recent { __typename id lastSeen } }")

    assert body == {
        "data": {
            "recent": [
                {"__typename": "Regular", "id": "u2", "lastSeen": "friday"},
                {"__typename": "Admin", "id": "u1", "lastSeen": "monday"},
            ]
        }
    }


async def test_fragments_on_implementations_below_an_interface_object(accounts: Federated) -> None:
    body = await accounts.query("{ recent { id name ... on Admin { role } } newest { ... on Regular { name } ... on Admin { role } } }")

    assert body == {
        "data": {"recent": [{"id": "u2", "name": "Bob"}, {"id": "u1", "name": "Ann", "role": "owner"}], "newest": {"role": "owner"}}
    }
    (request,) = accounts.requests("accounts")  # one request at this level, one _entities field per path (their selections differ)
    assert request.count("_entities(representations:") == 2


async def test_a_fragment_on_an_implementation_selecting_an_interface_object_field(accounts: Federated) -> None:
    body = await accounts.query("{ users { name ... on Admin { lastSeen } } }")

    assert body == {"data": {"users": [{"name": "Ann", "lastSeen": "monday"}, {"name": "Bob"}]}}


async def test_without_a_type_condition_the_interface_object_answers_alone(accounts: Federated) -> None:
    body = await accounts.query("{ newest { id lastSeen } recent { lastSeen } }")

    assert body == {"data": {"newest": {"id": "u1", "lastSeen": "monday"}, "recent": [{"lastSeen": "friday"}, {"lastSeen": "monday"}]}}
    assert accounts.requests("accounts") == []


async def test_requires_on_an_interface_object_from_either_side(accounts: Federated) -> None:
    from_object = await accounts.query("{ recent { id greeting } }")
    from_interface = await accounts.query("{ users { ... on Regular { greeting } ... on Admin { role } } }")

    assert from_object == {"data": {"recent": [{"id": "u2", "greeting": "hello Bob"}, {"id": "u1", "greeting": "hello Ann"}]}}
    assert from_interface == {"data": {"users": [{"role": "owner"}, {"greeting": "hello Bob"}]}}


async def test_one_request_for_an_interface_field_and_an_implementation_field_of_the_same_objects(accounts: Federated) -> None:
    body = await accounts.query("{ staff { name ... on Admin { role } lastSeen } }")

    assert body == {"data": {"staff": [{"name": "Ann", "role": "owner", "lastSeen": "monday"}]}}
    (request,) = accounts.requests("accounts")
    assert "... on Account { name } ... on Admin { role }" in request
