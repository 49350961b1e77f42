"""The store backends every contract test runs on: memory:// always (also journalled, as in the embedded mode), MongoDB
when MONGODB_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.common.store import Database, connect
from services.common.store.memory import MemoryServer

JOURNALLED = "journalled-memory://"
BACKENDS = ["memory://", JOURNALLED, *([os.environ["MONGODB_URL"]] if os.environ.get("MONGODB_URL") else [])]


@pytest.fixture(params=BACKENDS, ids=lambda url: url.split("://")[0])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database on each backend, dropped afterwards; journalled, what a restart replays equals what was left."""
    journalled = request.param == JOURNALLED
    memory = MemoryServer.journalled(tmp_path / "data") if journalled else None
    client = connect("memory://" if journalled else request.param, memory=memory)
    name = f"renling_test_{uuid.uuid4().hex[:8]}"
    database = client.database(name)
    try:
        yield database
        if memory is not None:
            assert _contents(MemoryServer.journalled(tmp_path / "data"), name) == _contents(memory, name)
    finally:
        await database.drop()
        await client.close()


@pytest.fixture(params=[b for b in BACKENDS if b != JOURNALLED], ids=lambda url: url.split("://")[0])
async def plain_database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A fresh database on memory:// (not journalled: the journal is tested by :func:`database`) and MongoDB when
    MONGODB_URL is set; for contract tests that write thousands of documents and need not replay them."""
    client = connect(request.param)
    database = client.database(f"renling_test_{uuid.uuid4().hex[:8]}")
    try:
        yield database
    finally:
        await database.drop()
        await client.close()


def _contents(server: MemoryServer, name: str) -> dict[str, list[object]]:
    """Every document by collection (collections without documents are not journalled: indexes are declared in code)."""
    database = server.client[name]
    found = {collection: list(database[collection].find({}, sort=[("_id", 1)])) for collection in database.list_collection_names()}
    return {collection: documents for collection, documents in found.items() if documents}
