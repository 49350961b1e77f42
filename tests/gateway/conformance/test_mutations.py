"""Mutations: root fields strictly in order across subgraphs (consecutive ones to one subgraph in one request),
and a mutation's result joined (with ``@requires``) before the next mutation runs."""

from __future__ import annotations

from typing import Any

from tests.gateway.conformance.harness import Case, open_case


class Counter:
    """The shared state both subgraphs change, and the order they saw."""

    def __init__(self) -> None:
        self.value = 0
        self.seen: list[str] = []
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, _: object, num: int) -> int:
        self.value += num
        self.seen.append(f"add {num}")
        return self.value

    def multiply(self, _: object, by: int) -> int:
        self.value *= by
        self.seen.append(f"multiply {by}")
        return self.value

    def add_item(self, _: object, name: str, price: int) -> dict[str, Any]:
        key = f"i{len(self.items) + 1}"
        item: dict[str, Any] = {"__typename": "Item", "id": key, "name": name, "price": price}
        self.items[key] = item
        self.seen.append(f"addItem {name}")
        return item

    def expensive(self, representation: dict[str, Any]) -> dict[str, Any]:
        self.seen.append(f"expensive {representation['id']}")
        return {**representation, "expensive": representation["price"] > 100}


async def test_mutation_fields_run_in_order_across_subgraphs_with_joins_between() -> None:
    counter = Counter()
    case = Case(
        roots={
            "a": {"multiply": counter.multiply, "addItem": counter.add_item, "total": lambda _: counter.value},
            "c": {"add": counter.add},
        },
        entities={"c": {"Item": counter.expensive}},
    )
    async with open_case("mutations", case) as federated:
        body = await federated.query(
            'mutation { five: add(num: 5) ten: multiply(by: 2) item: addItem(name: "lamp", price: 150) { name expensive } twelve: add(num: 2) }'
        )

        assert body == {"data": {"five": 5, "ten": 10, "item": {"name": "lamp", "expensive": True}, "twelve": 12}}
        assert counter.seen == ["add 5", "multiply 2", "addItem lamp", "expensive i1", "add 2"]
        assert len(federated.requests("a")) == 1  # multiply and addItem in one request, in order
