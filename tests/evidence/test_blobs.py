"""Store contract of the evidence files (``ChunkedBlobStore``): the GridFS layout, read back by a GridFS driver.

Runs on ``memory://`` always (its mongomock client read by PyMongo's GridFS through mongomock's
GridFS integration) and on a real MongoDB when ``MONGODB_URL`` is set (read by PyMongo's own
``AsyncGridFSBucket``), as ``tests/stores.py`` does for the other stores. No MongoDB server can be
installed on our machines, so the MongoDB case has only been written, not run, here.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import gridfs
import mongomock.gridfs
import pytest
from pymongo import AsyncMongoClient

from services.common.store import Database, DuplicateKey, connect
from services.common.store.memory import MemoryServer
from services.evidence.blobs import CHUNK_BYTES, ChunkedBlobStore

BACKENDS = ["memory://", *([os.environ["MONGODB_URL"]] if os.environ.get("MONGODB_URL") else [])]


@dataclass
class Backend:
    """A fresh database on one backend, and a GridFS driver's reading of a file in its ``fs`` bucket."""

    database: Database
    read_with_gridfs: Callable[[str], Awaitable[bytes]]


@pytest.fixture(params=BACKENDS, ids=lambda url: url.split("://")[0])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    name = f"renling_test_{uuid.uuid4().hex[:8]}"
    if request.param == "memory://":
        memory = MemoryServer()
        client = connect("memory://", memory=memory)
        mongomock.gridfs.enable_gridfs_integration()  # type: ignore[no-untyped-call]  # PyMongo's GridFS accepts mongomock's databases

        async def read_memory(file_id: str) -> bytes:
            data: bytes = gridfs.GridFSBucket(memory.client[name]).open_download_stream(file_id).read()
            return data

        reader = read_memory
    else:
        client = connect(request.param)
        driver: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(request.param)

        async def read_mongo(file_id: str) -> bytes:
            stream = await gridfs.AsyncGridFSBucket(driver[name]).open_download_stream(file_id)
            return await stream.read()

        reader = read_mongo
    database = client.database(name)
    try:
        yield Backend(database, reader)
    finally:
        await database.drop()
        await client.close()
        if request.param != "memory://":
            await driver.close()


async def test_a_file_is_kept_as_gridfs_keeps_it_and_a_gridfs_driver_reads_it_back(backend: Backend) -> None:
    blobs = ChunkedBlobStore(backend.database)
    await blobs.create_indexes()
    data = os.urandom(2 * CHUNK_BYTES + 1000)

    await blobs.put("evidence-1", data, content_type="application/pdf")

    (files,) = await backend.database.collection("fs.files").find({})
    chunks = await backend.database.collection("fs.chunks").find({"files_id": "evidence-1"}, sort=[("n", 1)])
    assert {key: files[key] for key in ("_id", "length", "chunkSize", "contentType", "sha256")} == {
        "_id": "evidence-1",
        "length": len(data),
        "chunkSize": CHUNK_BYTES,
        "contentType": "application/pdf",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert files["uploadDate"] is not None
    assert [(chunk["n"], len(bytes(chunk["data"]))) for chunk in chunks] == [(0, CHUNK_BYTES), (1, CHUNK_BYTES), (2, 1000)]
    assert await blobs.get("evidence-1") == data
    assert await backend.read_with_gridfs("evidence-1") == data


async def test_a_file_is_stored_once_and_is_not_visible_before_all_its_chunks(backend: Backend) -> None:
    blobs = ChunkedBlobStore(backend.database)
    await blobs.create_indexes()
    chunks = backend.database.collection("fs.chunks")
    first, partial = os.urandom(CHUNK_BYTES + 10), os.urandom(CHUNK_BYTES + 20)

    await blobs.put("once", first, content_type="image/jpeg")
    await blobs.put("once", b"something else", content_type="image/jpeg")  # a retried upload changes nothing
    await chunks.insert_one({"_id": "interrupted:0", "files_id": "interrupted", "n": 0, "data": partial[:CHUNK_BYTES]})
    before = await blobs.get("interrupted")  # a put that stopped after its first chunk: no files document yet
    await blobs.put("interrupted", partial, content_type="image/jpeg")  # the retry completes it
    await blobs.put("empty", b"", content_type="application/pdf")
    with pytest.raises(DuplicateKey):
        await chunks.insert_one({"_id": "another", "files_id": "once", "n": 0, "data": b"x"})  # GridFS's unique (files_id, n)
    await chunks.delete_one({"_id": "once:1"})

    assert before is None
    assert await blobs.get("interrupted") == partial
    assert await backend.read_with_gridfs("interrupted") == partial
    assert await blobs.get("empty") == b""
    assert await blobs.get("once") is None  # a chunk went missing: the length no longer agrees, nothing half is served
    assert await blobs.get("never stored") is None
    assert await backend.database.collection("fs.files").count_documents({}) == 3
