"""The real adapter: PyMongo's native async API (``AsyncMongoClient``), motor's successor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.common.store.port import Document, DuplicateKey, Filter, Index, Update, UpdateOutcome

__all__ = ["MongoCollection", "MongoDatabase"]


class MongoCollection:
    """:class:`~services.common.store.port.Collection` over an ``AsyncCollection``."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    @property
    def name(self) -> str:
        """The collection's name."""
        return self._collection.name

    async def insert_one(self, document: Document) -> None:
        """Insert; a unique-index clash becomes :class:`DuplicateKey`."""
        try:
            await self._collection.insert_one(document)
        except DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def find_one(self, filter: Filter, *, projection: Mapping[str, Any] | None = None) -> Document | None:
        """The first match, or None."""
        return await self._collection.find_one(filter, projection=projection)

    async def find(
        self,
        filter: Filter,
        *,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
        projection: Mapping[str, Any] | None = None,
    ) -> list[Document]:
        """Matches in order, at most ``limit``."""
        cursor = self._collection.find(filter, projection=projection, limit=limit)
        if sort:
            cursor = cursor.sort(list(sort))
        return await cursor.to_list()

    async def update_one(self, filter: Filter, update: Update, *, upsert: bool = False) -> UpdateOutcome:
        """One atomic update."""
        try:
            result = await self._collection.update_one(filter, update, upsert=upsert)
        except DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error
        return UpdateOutcome(result.matched_count, result.modified_count, result.upserted_id)

    async def update_many(self, filter: Filter, update: Update) -> UpdateOutcome:
        """Each match updated atomically."""
        result = await self._collection.update_many(filter, update)
        return UpdateOutcome(result.matched_count, result.modified_count)

    async def find_one_and_update(
        self, filter: Filter, update: Update, *, upsert: bool = False, return_new: bool = True
    ) -> Document | None:
        """Atomic update returning the document."""
        try:
            return await self._collection.find_one_and_update(
                filter,
                update,
                upsert=upsert,
                return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
            )
        except DuplicateKeyError as error:
            raise DuplicateKey(str(error)) from error

    async def delete_one(self, filter: Filter) -> int:
        """Delete the first match."""
        return (await self._collection.delete_one(filter)).deleted_count

    async def delete_many(self, filter: Filter) -> int:
        """Delete every match."""
        return (await self._collection.delete_many(filter)).deleted_count

    async def count_documents(self, filter: Filter) -> int:
        """How many match."""
        return await self._collection.count_documents(filter)

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        """All results of a pipeline."""
        cursor = await self._collection.aggregate(list(pipeline))
        return await cursor.to_list()

    async def create_indexes(self, indexes: Sequence[Index]) -> None:
        """Create the declared indexes."""
        if indexes:
            await self._collection.create_indexes(
                [IndexModel(list(index.keys), name=index.name, unique=index.unique, sparse=index.sparse) for index in indexes]
            )


class MongoDatabase:
    """:class:`~services.common.store.port.Database` over an ``AsyncDatabase``."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._database = database

    def collection(self, name: str) -> MongoCollection:
        """The named collection."""
        return MongoCollection(self._database[name])

    async def ping(self) -> None:
        """Round trip to the server."""
        await self._database.command("ping")

    async def drop(self) -> None:
        """Drop this database."""
        await self._database.client.drop_database(self._database.name)


def open_client(url: str) -> AsyncMongoClient[Document]:
    """A client that returns timezone-aware datetimes and fails fast when the server is away."""
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5_000)
