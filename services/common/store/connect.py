"""Choose the storage adapter from ``MONGODB_URL``: ``mongodb://…`` or ``memory://``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.store.memory import MemoryDatabase, MemoryServer
from services.common.store.mongo import MongoDatabase, open_client
from services.common.store.port import Database

__all__ = ["StoreClient", "connect"]


@dataclass
class StoreClient:
    """An open store: hands out databases and is closed in the lifespan that opened it."""

    url: str
    _mongo: Any = None
    _memory: MemoryServer | None = None
    _closed: bool = field(default=False, init=False)

    def database(self, name: str) -> Database:
        """The named database on this client."""
        if self._memory is not None:
            return MemoryDatabase(self._memory, name)
        return MongoDatabase(self._mongo[name])

    async def close(self) -> None:
        """Close the connection pool (no-op for memory://)."""
        if self._mongo is not None and not self._closed:
            await self._mongo.close()
        self._closed = True


def connect(url: str, *, memory: MemoryServer | None = None) -> StoreClient:
    """Open a client for ``url``; pass ``memory`` to reuse in-memory data across restarts."""
    if url.startswith("memory://"):
        return StoreClient(url, _memory=memory or MemoryServer())
    if url.startswith(("mongodb://", "mongodb+srv://")):
        return StoreClient(url, _mongo=open_client(url))
    raise ValueError(f"MONGODB_URL must start with mongodb://, mongodb+srv:// or memory://, not {url.split(':')[0]!r}")
