"""Class (d): a fragment or field goes only to a subgraph that has the type and the field: implementations and
union members per subgraph, ``@override`` on one implementation of an interface field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.gateway.conformance.harness import Case, Federated, by_key, open_case

LIBRARY: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "b1", "title": "STALE (overridden)", "pages": 412},
    {"__typename": "Movie", "id": "m1", "title": "Alien", "length": 117},
]
STORE: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "b1", "price": 12, "title": "Dune"},
    {"__typename": "Game", "id": "g1", "price": 60},
]

CASE = Case(
    roots={"library": {"items": LIBRARY, "media": LIBRARY}, "store": {"shelf": STORE[:1], "top": STORE}},
    entities={
        "library": {"Book": by_key(LIBRARY, "id"), "Movie": by_key(LIBRARY, "id")},
        "store": {"Book": by_key(STORE, "id"), "Game": by_key(STORE, "id")},
    },
)


@pytest.fixture
async def shop() -> AsyncIterator[Federated]:
    async with open_case("membership", CASE) as federated:
        yield federated


async def test_an_interface_field_is_planned_per_implementation_where_one_is_overridden(shop: Federated) -> None:
    body = await shop.query("{ items { id title } }")

    assert body == {"data": {"items": [{"id": "b1", "title": "Dune"}, {"id": "m1", "title": "Alien"}]}}
    (request,) = shop.requests("store")
    assert "... on Book" in request


async def test_fragments_on_implementations_a_subgraph_lacks_are_not_sent_to_it(shop: Federated) -> None:
    body = await shop.query("{ shelf { id ... on Book { pages price } ... on Movie { length } } }")

    assert body == {"data": {"shelf": [{"id": "b1", "pages": 412, "price": 12}]}}
    assert all("Movie" not in request for request in shop.requests("store"))


async def test_an_interface_field_the_subgraph_lacks_on_its_interface(shop: Federated) -> None:
    body = await shop.query("{ shelf { title } }")

    assert body == {"data": {"shelf": [{"title": "Dune"}]}}
    assert shop.requests("library") == []


async def test_union_members_per_subgraph(shop: Federated) -> None:
    body = await shop.query("{ top { __typename ... on Book { title pages } ... on Game { price } ... on Movie { length } } }")

    assert body == {"data": {"top": [{"__typename": "Book", "title": "Dune", "pages": 412}, {"__typename": "Game", "price": 60}]}}
    assert all("Movie" not in request for request in shop.requests("store"))
    assert all("Game" not in request for request in shop.requests("library"))


async def test_a_union_the_other_way(shop: Federated) -> None:
    body = await shop.query("{ media { ... on Book { price title } ... on Game { price } ... on Movie { title } } }")

    assert body == {"data": {"media": [{"price": 12, "title": "Dune"}, {"title": "Alien"}]}}
    assert all("Game" not in request for request in shop.requests("library"))


THINGS: list[dict[str, Any]] = [
    {"__typename": "A", "id": "a1", "label": "alpha"},
    {"__typename": "B", "id": "b1", "label": "PLACEHOLDER (external here)", "shout": lambda b: b["label"].upper() + "!"},
]
EXTERNAL = Case(
    roots={"s1": {"things": THINGS}},
    entities={
        "s1": {"B": lambda rep: {**rep, "shout": THINGS[1]["shout"]}},
        "s2": {"B": by_key([{"__typename": "B", "id": "b1", "label": "beta"}], "id")},
    },
)


async def test_an_interface_field_external_on_one_implementation_comes_from_its_owner() -> None:
    async with open_case("external_impl", EXTERNAL) as things:
        body = await things.query("{ things { id label ... on B { shout } } }")

        assert body == {"data": {"things": [{"id": "a1", "label": "alpha"}, {"id": "b1", "label": "beta", "shout": "BETA!"}]}}
        assert [request.count("label") for request in things.requests("s1")] == [1, 0]  # only A's label asked of s1


ACCOUNT_A = {"__typename": "Account", "id": "a1", "username": "ann"}
CHAT_B = {"__typename": "Chat", "id": "c1", "text": "hello"}


def _node_a(_: object, id: str) -> dict[str, Any] | None:
    # a cannot know a chat's id (@external there): what it would put is a placeholder
    return ACCOUNT_A if id == "a1" else {"__typename": "Chat", "id": "PLACEHOLDER", "account": ACCOUNT_A} if id == "c1" else None


def _node_b(_: object, id: str) -> dict[str, Any] | None:
    return {"__typename": "Account", "id": "PLACEHOLDER", "chats": [CHAT_B]} if id == "a1" else CHAT_B if id == "c1" else None


EXTERNAL_KEYS = Case(
    roots={
        "a": {"node": _node_a, "account": lambda _, id: ACCOUNT_A if id == "a1" else None},
        "b": {"node": _node_b, "chat": lambda _, id: CHAT_B if id == "c1" else None},
    },
    entities={
        "a": {"Account": by_key([ACCOUNT_A], "id"), "Chat": by_key([{"__typename": "Chat", "id": "c1", "account": ACCOUNT_A}], "id")},
        "b": {"Account": by_key([{"__typename": "Account", "id": "a1", "chats": [CHAT_B]}], "id"), "Chat": by_key([CHAT_B], "id")},
    },
)


async def test_an_external_key_field_is_never_taken_from_the_subgraph_that_cannot_give_it() -> None:
    async with open_case("external_keys", EXTERNAL_KEYS) as graph:
        typed = await graph.query(
            '{ account: node(id: "a1") { ... on Account { id username } } chat: node(id: "c1") { ... on Chat { id text } } }'
        )
        crossed = await graph.query(
            '{ account: node(id: "a1") { ... on Chat { id } } chat: node(id: "c1") { __typename ... on Account { id } } }'
        )
        joined = await graph.query('{ chat(id: "c1") { id text account { id } } account(id: "a1") { id username chats { id } } }')
        bare = await graph.query('{ c: node(id: "c1") { id } a: node(id: "a1") { id } }')

    assert typed == {"data": {"account": {"id": "a1", "username": "ann"}, "chat": {"id": "c1", "text": "hello"}}}
    assert crossed == {"data": {"account": {}, "chat": {"__typename": "Chat"}}}
    assert joined == {
        "data": {
            "chat": {"id": "c1", "text": "hello", "account": {"id": "a1"}},
            "account": {"id": "a1", "username": "ann", "chats": [{"id": "c1"}]},
        }
    }
    assert bare == {"data": {"c": {"id": "c1"}, "a": {"id": "a1"}}}  # each id from the subgraph that has it, never a placeholder
