"""The storage port: the few document operations our stores use, typed, adapter-neutral."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "Collection",
    "Database",
    "Document",
    "DuplicateKey",
    "Filter",
    "Index",
    "StoreUnsupported",
    "UpdateOutcome",
]

Document = dict[str, Any]
Filter = Mapping[str, Any]
Update = Mapping[str, Any]


class DuplicateKey(Exception):
    """An insert or upsert hit a unique index."""


class StoreUnsupported(NotImplementedError):
    """The ``memory://`` stand-in cannot do this; run against a real MongoDB (``MONGODB_URL``)."""


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """How many documents matched the filter and how many changed."""

    matched: int
    modified: int
    upserted_id: Any = None


@dataclass(frozen=True, slots=True)
class Index:
    """An index declared in code and created at start-up; ``community_id`` leads compound ones."""

    keys: tuple[tuple[str, int], ...]
    unique: bool = False
    sparse: bool = False

    @property
    def name(self) -> str:
        """MongoDB's conventional name: ``field_1_other_-1``."""
        return "_".join(f"{field}_{direction}" for field, direction in self.keys)


class Collection(Protocol):
    """One MongoDB collection, as far as our stores need it."""

    @property
    def name(self) -> str:
        """The collection's name."""

    async def insert_one(self, document: Document) -> None:
        """Insert; raise :class:`DuplicateKey` on a unique-index clash."""

    async def find_one(self, filter: Filter, *, projection: Mapping[str, Any] | None = None) -> Document | None:
        """The first matching document, or None."""

    async def find(
        self,
        filter: Filter,
        *,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
        projection: Mapping[str, Any] | None = None,
    ) -> list[Document]:
        """Matching documents in ``sort`` order, at most ``limit`` (0: all)."""

    async def update_one(self, filter: Filter, update: Update, *, upsert: bool = False) -> UpdateOutcome:
        """One atomic update of the first matching document."""

    async def update_many(self, filter: Filter, update: Update) -> UpdateOutcome:
        """The same update applied to every match (each document atomically)."""

    async def find_one_and_update(
        self, filter: Filter, update: Update, *, upsert: bool = False, return_new: bool = True
    ) -> Document | None:
        """Atomic update returning the document after (or before) it."""

    async def delete_one(self, filter: Filter) -> int:
        """Delete the first match; return how many were deleted."""

    async def delete_many(self, filter: Filter) -> int:
        """Delete every match; return how many were deleted."""

    async def count_documents(self, filter: Filter) -> int:
        """How many documents match."""

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        """Run an aggregation pipeline and return all its results."""

    async def create_indexes(self, indexes: Sequence[Index]) -> None:
        """Create the declared indexes (idempotent)."""


class Database(Protocol):
    """A service's own database."""

    def collection(self, name: str) -> Collection:
        """The named collection."""

    async def ping(self) -> None:
        """Raise if the server cannot be reached."""

    async def drop(self) -> None:
        """Drop the whole database (tests)."""
