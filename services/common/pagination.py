"""Relay-style cursor pagination over any sort order, by keyset (no skip, stable under inserts).

A cursor is the opaque, URL-safe encoding of the sort values of the last row seen; the next
page is "rows after these values" in the same order, with ``_id`` as the final tie-breaker.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.domain import Invalid
from services.common.store import Collection, Document

__all__ = ["MAX_PAGE_SIZE", "Page", "decode_cursor", "encode_cursor", "keyset_filter", "paginate"]

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One page of documents, and where the next one starts."""

    documents: list[Document]
    has_next_page: bool
    cursors: list[str]


def encode_cursor(values: Sequence[Any]) -> str:
    """Opaque cursor for a row's sort values."""
    encoded = [{"$dt": value.isoformat()} if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(encoded, ensure_ascii=False).encode()).decode()


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The sort values inside a cursor; :class:`Invalid` (field ``after``) if it is not ours."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError("wrong shape")
        return [datetime.fromisoformat(value["$dt"]) if isinstance(value, dict) else value for value in raw]
    except (ValueError, binascii.Error, TypeError, KeyError, UnicodeDecodeError) as error:
        raise Invalid("this cursor is not valid for this list", field="after") from error


def keyset_filter(sort: Sequence[tuple[str, int]], values: Sequence[Any]) -> dict[str, Any]:
    """Rows strictly after ``values`` in ``sort`` order."""
    branches: list[dict[str, Any]] = []
    for depth, (field, direction) in enumerate(sort):
        branch = {name: value for (name, _), value in zip(sort[:depth], values[:depth], strict=True)}
        branch[field] = {"$gt" if direction > 0 else "$lt": values[depth]}
        branches.append(branch)
    return {"$or": branches}


def _value(document: Mapping[str, Any], dotted: str) -> Any:
    current: Any = document
    for part in dotted.split("."):
        current = current.get(part) if isinstance(current, Mapping) else None
    return current


async def paginate(
    collection: Collection,
    filter: Mapping[str, Any],
    sort: Sequence[tuple[str, int]],
    *,
    first: int,
    after: str | None,
) -> Page:
    """The ``first`` documents after the cursor ``after``, in ``sort`` order (``_id`` appended)."""
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise Invalid(f"first must be between 0 and {MAX_PAGE_SIZE}", field="first")
    order = [*sort, ("_id", sort[-1][1] if sort else 1)]
    query: dict[str, Any] = dict(filter)
    if after:
        query = {"$and": [query, keyset_filter(order, decode_cursor(after, len(order)))]}
    documents = await collection.find(query, sort=order, limit=first + 1) if first else []
    page = documents[:first]
    cursors = [encode_cursor([_value(document, field) for field, _ in order]) for document in page]
    return Page(page, len(documents) > first, cursors)
