"""Synthetic Federation v2 subgraphs for the gateway's conformance suite (a small shop).

Each subgraph names its types as the supergraph does (``Product``, ``User``…); the Python classes
carry a prefix only so that they can live side by side in this module. ``CALLS`` records every
resolver call that matters for the assertions (batching, ordering).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

CALLS: list[str] = []
PRODUCTS: dict[str, dict[str, Any]] = {
    "p1": {"id": "p1", "upc": "u1", "name": "Kettle", "price": 30, "weight": 2},
    "p2": {"id": "p2", "upc": "u2", "name": "Teapot", "price": 20, "weight": 1},
    "p3": {"id": "p3", "upc": "u3", "name": "Cup", "price": 5, "weight": 0},
}
REVIEWS: dict[str, list[dict[str, Any]]] = {
    "p1": [{"id": "r1", "body": "Boils fast", "rating": 5, "author": "u-ann"}],
    "p2": [{"id": "r2", "body": "Leaks", "rating": 2, "author": "u-bob"}, {"id": "r3", "body": "Pretty", "rating": 4, "author": "u-ann"}],
    "p3": [],
}
USERS = {"u-ann": "Ann", "u-bob": "Bob"}


@strawberry.federation.type(name="Product", keys=["id", "upc"])
class CatalogProduct:
    id: strawberry.ID
    upc: str
    name: str
    weight: int
    base_price: strawberry.Private[int]

    @strawberry.field
    def price(self, currency: str = "CNY") -> int:
        return self.base_price if currency == "CNY" else self.base_price // 7

    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("the warehouse is on fire")

    @classmethod
    def resolve_reference(cls, id: strawberry.ID | None = None, upc: str | None = None) -> CatalogProduct | None:
        CALLS.append(f"products:_entities:{id or upc}")
        row = PRODUCTS.get(str(id)) if id else next((p for p in PRODUCTS.values() if p["upc"] == upc), None)
        return catalog_product(row) if row else None


def catalog_product(row: dict[str, Any]) -> CatalogProduct:
    return CatalogProduct(id=strawberry.ID(row["id"]), upc=row["upc"], name=row["name"], weight=row["weight"], base_price=row["price"])


@strawberry.type(name="Query")
class CatalogQuery:
    @strawberry.field
    def products(self, first: int = 10) -> list[CatalogProduct]:
        CALLS.append("products:products")
        return [catalog_product(row) for row in list(PRODUCTS.values())[:first]]

    @strawberry.field
    def product(self, id: strawberry.ID) -> CatalogProduct | None:
        row = PRODUCTS.get(str(id))
        return catalog_product(row) if row else None


@strawberry.type(name="Mutation")
class CatalogMutation:
    @strawberry.mutation
    def rename(self, id: strawberry.ID, name: str) -> CatalogProduct:
        CALLS.append(f"products:rename:{name}")
        PRODUCTS[str(id)]["name"] = name
        return catalog_product(PRODUCTS[str(id)])


@strawberry.type(name="Subscription")
class CatalogSubscription:
    @strawberry.subscription
    async def price_changed(self, limit: int = 2) -> AsyncGenerator[CatalogProduct, None]:
        for row in list(PRODUCTS.values())[:limit]:
            await asyncio.sleep(0)
            yield catalog_product(row)


@strawberry.federation.type(name="User", keys=[Key(fields=FieldSet("id"), resolvable=False)])
class ReviewUser:
    id: strawberry.ID


@strawberry.type(name="Review")
class Review:
    id: strawberry.ID
    body: str
    rating: int
    author: ReviewUser | None


def review(row: dict[str, Any]) -> Review:
    return Review(id=strawberry.ID(row["id"]), body=row["body"], rating=row["rating"], author=ReviewUser(id=strawberry.ID(row["author"])))


@strawberry.federation.type(name="Product", keys=["id"])
class ReviewedProduct:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [review(row) for row in REVIEWS[str(self.id)]]

    @strawberry.field
    def review_count(self) -> int | None:
        return len(REVIEWS[str(self.id)])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewedProduct:
        CALLS.append(f"reviews:_entities:{id}")
        return cls(id=id)


@strawberry.type(name="Query")
class ReviewsQuery:
    @strawberry.field
    def top_review(self) -> Review:
        return review(REVIEWS["p2"][1])


@strawberry.type(name="Mutation")
class ReviewsMutation:
    @strawberry.mutation
    def add_review(self, product_id: strawberry.ID, body: str) -> int:
        CALLS.append(f"reviews:add_review:{body}")
        REVIEWS[str(product_id)].append({"id": f"r{len(REVIEWS[str(product_id)]) + 10}", "body": body, "rating": 3, "author": "u-bob"})
        return len(REVIEWS[str(product_id)])


@strawberry.federation.type(name="User", keys=["id"])
class AccountUser:
    id: strawberry.ID
    name: str

    @strawberry.field
    def email(self) -> str:
        if self.id == "u-bob":
            raise ValueError("email hidden")
        return f"{self.name.lower()}@example.org"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> AccountUser:
        CALLS.append(f"users:_entities:{id}")
        return cls(id=id, name=USERS[str(id)])


@strawberry.type(name="Query")
class UsersQuery:
    @strawberry.field
    def me(self) -> AccountUser:
        return AccountUser(id=strawberry.ID("u-ann"), name="Ann")


@strawberry.federation.type(name="Product", keys=["upc"])
class StockedProduct:
    upc: str
    price: int | None = strawberry.federation.field(external=True, default=None)
    weight: int | None = strawberry.federation.field(external=True, default=None)

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int:
        if self.price is None or self.weight is None:
            raise ValueError("price and weight were not provided")
        return 0 if self.price > 25 else self.weight * 3

    @strawberry.field
    def in_stock(self) -> bool:
        return self.upc != "u3"

    @classmethod
    def resolve_reference(cls, upc: str, price: int | None = None, weight: int | None = None) -> StockedProduct:
        CALLS.append(f"inventory:_entities:{upc}")
        return cls(upc=upc, price=price, weight=weight)


@strawberry.type(name="Query")
class InventoryQuery:
    @strawberry.field
    def warehouse(self) -> str:
        return "Chaoyang"


def schemas() -> dict[str, strawberry.federation.Schema]:
    """The four subgraphs."""
    return {
        "products": strawberry.federation.Schema(
            query=CatalogQuery, mutation=CatalogMutation, subscription=CatalogSubscription, types=[CatalogProduct]
        ),
        "reviews": strawberry.federation.Schema(query=ReviewsQuery, mutation=ReviewsMutation, types=[ReviewedProduct, ReviewUser]),
        "users": strawberry.federation.Schema(query=UsersQuery, types=[AccountUser]),
        "inventory": strawberry.federation.Schema(query=InventoryQuery, types=[StockedProduct]),
    }
