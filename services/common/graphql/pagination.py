"""Relay connection pieces: ``PageInfo``, a generic edge and connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from services.common.pagination import Page

__all__ = ["Connection", "Edge", "PageInfo", "connection"]

N = TypeVar("N")


@strawberry.federation.type(shareable=True, description="Where this page sits in the whole list (Relay cursor pagination).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More rows follow `endCursor`.")
    has_previous_page: bool = strawberry.field(description="Rows precede this page (true when `after` was given).")
    start_cursor: str | None = strawberry.field(description="Cursor of the first row of this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="A row and its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Opaque position of this row.")
    node: N = strawberry.field(description="The row.")


@strawberry.type(description="One page of a list.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="Rows of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many rows the whole list has (costs a count; ask only when shown).")
    async def total_count(self) -> int:
        return await self._count()


def connection(nodes: Sequence[N], page: Page, *, after: str | None, count: Callable[[], Awaitable[int]]) -> Connection[N]:
    """A connection from one page of domain rows already converted to GraphQL nodes."""
    edges = [Edge(cursor=cursor, node=node) for cursor, node in zip(page.cursors, nodes, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=after is not None,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        _count=count,
    )
