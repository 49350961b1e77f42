"""``memory://``: mongomock behind the same async port, for the embedded mode and the tests.

Every operation runs to completion without yielding to the event loop, so each one is atomic
with respect to other coroutines, as a single-document operation is on a real server. What
mongomock cannot do raises :class:`StoreUnsupported` naming the operation, never a silent
wrong answer. Multi-document transactions, change streams and ``$where`` are not offered.

Queries are planned with hash indexes of the declared index fields (:mod:`.memory_index`), a
leading ``$match`` of a pipeline uses them too, and a ``$match`` + ``$group`` that counts or sums
runs natively: mongomock alone tests every document on every query, which at district scale
(100 000 needs) costs a tenth of a second per lookup.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import mongomock
from bson.tz_util import utc
from mongomock import aggregate as mongomock_aggregate
from mongomock import helpers
from pymongo import ReturnDocument

from services.common.store.journal import Journal
from services.common.store.memory_group import counted_groups, group_natively
from services.common.store.memory_index import IndexedStore, count, indexed, matches, sorted_ids
from services.common.store.port import Document, DuplicateKey, Filter, Index, StoreUnsupported, Update, UpdateOutcome

__all__ = ["MemoryCollection", "MemoryDatabase", "MemoryServer"]

T = TypeVar("T")


def _run(operation: str, action: Callable[[], T]) -> T:
    try:
        return action()
    except mongomock.DuplicateKeyError as error:
        raise DuplicateKey(str(error)) from error
    except NotImplementedError as error:
        raise StoreUnsupported(f"memory:// cannot {operation}: {error}; use a real MongoDB via MONGODB_URL") from error


class MemoryCollection:
    """:class:`~services.common.store.port.Collection` over a mongomock collection."""

    def __init__(self, collection: Any, journal: Journal | None = None) -> None:
        self._collection = collection
        self._journal = journal
        indexed(collection)

    def _store(self) -> IndexedStore:
        return indexed(self._collection)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Around one write: indexes kept up to date, and (with a journal) what it left behind made durable before it returns."""
        store = self._store()
        journal = self._journal
        with store.writing() as touched:
            try:
                yield
            finally:
                if journal is not None:
                    documents = store._documents
                    journal.record(self._collection.database.name, self.name, [(doc_id, documents.get(doc_id)) for doc_id in touched])
        if journal is not None and journal.due():
            journal.compact(self._collection.database.client)

    @property
    def name(self) -> str:
        """The collection's name."""
        return str(self._collection.name)

    async def insert_one(self, document: Document) -> None:
        """Insert; a unique-index clash becomes :class:`DuplicateKey`."""
        with self._writing():
            _run("insert_one", lambda: self._collection.insert_one(document))

    async def find_one(self, filter: Filter, *, projection: Mapping[str, Any] | None = None) -> Document | None:
        """The first match, or None."""
        found: Document | None = _run("find_one", lambda: self._collection.find_one(dict(filter), projection))
        return found

    async def find(
        self,
        filter: Filter,
        *,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
        projection: Mapping[str, Any] | None = None,
    ) -> list[Document]:
        """Matches in order, at most ``limit``."""

        def query() -> list[Document]:
            fields = _included_fields(projection)
            if not sort and fields is not None:
                return self._projected(dict(filter), fields, limit)
            if sort:
                ids = sorted_ids(self._collection, dict(filter), sort, limit)
                if ids is not None:
                    return self._by_ids(ids, projection)
            cursor = self._collection.find(dict(filter), projection, limit=limit)
            if sort:
                cursor = cursor.sort(list(sort))
            return list(cursor)

        return _run("find", query)

    def _projected(self, filter: dict[str, Any], fields: tuple[str, ...], limit: int) -> list[Document]:
        """Matches with only ``fields`` (and ``_id``), copied field by field instead of whole (as mongomock would)."""
        found: list[Document] = []
        for document in self._collection._iter_documents(helpers.patch_datetime_awareness_in_document(filter)):
            found.append(aware_copy({"_id": document["_id"], **{field: document[field] for field in fields if field in document}}))
            if limit and len(found) == limit:
                break
        return found

    def _by_ids(self, ids: list[Any], projection: Mapping[str, Any] | None) -> list[Document]:
        """Copies of these documents (as mongomock makes them) in this order."""
        if projection is None:
            stored = self._store()._documents
            return [aware_copy(stored[doc_id]) for doc_id in ids if doc_id in stored]
        found = {document["_id"]: document for document in self._collection.find({"_id": {"$in": ids}}, projection)}
        return [found[doc_id] for doc_id in ids if doc_id in found]

    async def update_one(self, filter: Filter, update: Update, *, upsert: bool = False) -> UpdateOutcome:
        """One atomic update."""
        _refuse_pipeline(update)
        with self._writing():
            result = _run("update_one", lambda: self._collection.update_one(dict(filter), dict(update), upsert=upsert))
        return UpdateOutcome(result.matched_count, result.modified_count, result.upserted_id)

    async def update_many(self, filter: Filter, update: Update) -> UpdateOutcome:
        """Each match updated."""
        _refuse_pipeline(update)
        with self._writing():
            result = _run("update_many", lambda: self._collection.update_many(dict(filter), dict(update)))
        return UpdateOutcome(result.matched_count, result.modified_count)

    async def find_one_and_update(
        self, filter: Filter, update: Update, *, upsert: bool = False, return_new: bool = True
    ) -> Document | None:
        """Atomic update returning the document."""
        _refuse_pipeline(update)
        with self._writing():
            found: Document | None = _run(
                "find_one_and_update",
                lambda: self._collection.find_one_and_update(
                    dict(filter),
                    dict(update),
                    upsert=upsert,
                    return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
                ),
            )
        return found

    async def delete_one(self, filter: Filter) -> int:
        """Delete the first match."""
        with self._writing():
            return int(_run("delete_one", lambda: self._collection.delete_one(dict(filter))).deleted_count)

    async def delete_many(self, filter: Filter) -> int:
        """Delete every match."""
        with self._writing():
            return int(_run("delete_many", lambda: self._collection.delete_many(dict(filter))).deleted_count)

    async def count_documents(self, filter: Filter) -> int:
        """How many match."""
        return int(_run("count_documents", lambda: self._count(dict(filter))))

    def _count(self, filter: dict[str, Any]) -> int:
        """Counted over the indexes' candidates (or by the indexes alone); by mongomock when they cannot narrow it."""
        counted = count(self._collection, filter)
        return int(self._collection.count_documents(filter)) if counted is None else counted

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        """All results of a pipeline (mongomock implements the common stages; a leading ``$match`` uses the indexes)."""
        return _run("aggregate", lambda: self._aggregate([dict(stage) for stage in pipeline]))

    def _aggregate(self, stages: list[dict[str, Any]]) -> list[Document]:
        if not stages or set(stages[0]) != {"$match"}:
            return list(self._collection.aggregate(stages))
        rest = stages[1:]
        if len(rest) == 1 and set(rest[0]) == {"$group"}:
            counted = counted_groups(self._store(), stages[0]["$match"], rest[0]["$group"])
            if counted is not None:
                return counted
            grouped = group_natively(matches(self._collection, stages[0]["$match"]), rest[0]["$group"])
            if grouped is not None:
                return [aware_copy(row) for row in grouped]
        matched = list(self._collection._iter_documents(stages[0]["$match"]))
        return list(mongomock_aggregate.process_pipeline(copy.deepcopy(matched), self._collection.database, rest, None))

    async def create_indexes(self, indexes: Sequence[Index]) -> None:
        """Create the declared indexes; unique ones are enforced, and every field of each is hash-indexed."""
        for index in indexes:
            for field, _ in index.keys:
                self._store().index_field(field)
            _run(
                "create_index",
                lambda index=index: self._collection.create_index(  # type: ignore[misc]
                    list(index.keys), name=index.name, unique=index.unique, sparse=index.sparse
                ),
            )


def _included_fields(projection: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """The top-level fields of a plain inclusion projection, or None for any other kind."""
    if not projection or any(value not in (1, True) or "." in key or key.startswith("$") for key, value in projection.items()):
        return None
    return tuple(key for key in projection if key != "_id")


_ATOMS = (str, int, float, bool, type(None))


def aware_copy(document: Document) -> Document:
    """A copy (dicts and lists rebuilt) with datetimes made UTC-aware, as the tz-aware client returns them."""
    return {key: value if type(value) in _ATOMS else _aware(value) for key, value in document.items()}


def _aware(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item if type(item) in _ATOMS else _aware(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [item if type(item) in _ATOMS else _aware(item) for item in value]
    if isinstance(value, datetime):
        return value.replace(tzinfo=utc)
    return value


def _refuse_pipeline(update: Update | Sequence[Any]) -> None:
    if not isinstance(update, Mapping):
        raise StoreUnsupported("memory:// cannot run update pipelines; use a real MongoDB via MONGODB_URL")


class MemoryDatabase:
    """:class:`~services.common.store.port.Database` over a mongomock database."""

    def __init__(self, server: MemoryServer, name: str) -> None:
        self._server = server
        self._name = name

    def collection(self, name: str) -> MemoryCollection:
        """The named collection."""
        return MemoryCollection(self._server.client[self._name][name], self._server.journal)

    async def ping(self) -> None:
        """Always reachable: it lives in this process."""

    async def drop(self) -> None:
        """Drop this database."""
        self._server.client.drop_database(self._name)
        if self._server.journal is not None:
            self._server.journal.record_drop(self._name)


class MemoryServer:
    """One in-memory "server"; keep a reference to simulate a process restart on the same data.

    With a :class:`~services.common.store.journal.Journal` (:meth:`journalled`), every write is
    also on disk when it returns, and a new process on the same folder starts where the last one ended.
    """

    def __init__(self, journal: Journal | None = None) -> None:
        self.client: Any = mongomock.MongoClient(tz_aware=True)
        self.journal = journal

    @classmethod
    def journalled(cls, folder: Path | str) -> MemoryServer:
        """A server holding what the journal in ``folder`` recorded (nothing if new), journalling from now on."""
        journal = Journal(folder)
        server = cls()
        journal.replay(server.client)
        server.journal = journal
        return server

    def close(self) -> None:
        """Fold the journal into the snapshot and close it (a clean stop; a crash needs no close)."""
        if self.journal is not None:
            self.journal.compact(self.client)
            self.journal.close()
