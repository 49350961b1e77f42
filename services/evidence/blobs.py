"""The file storage port, and its adapter over the document store in the GridFS layout.

:class:`BlobStore` is what the evidence service needs: put a file once under an id, read it
back. :class:`ChunkedBlobStore` keeps files the way MongoDB GridFS does — one ``files``
document (length, chunk size, upload date, content type, SHA-256) and ``chunks`` documents of 255 KiB
keyed by ``(files_id, n)`` — over the platform's store port, so the same code runs on a
real MongoDB (where the collections are GridFS-compatible) and on the embedded ``memory://``
store. The ``files`` document is written last: a file is visible only once all its chunks are.
A GridFS driver (``gridfs.AsyncGridFSBucket``, ``mongofiles``) reads these files as its own
(``tests/evidence/test_blobs.py`` reads them back with PyMongo's GridFS).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Protocol

from services.common.store import Collection, Database, DuplicateKey, Index

__all__ = ["CHUNK_BYTES", "BlobStore", "ChunkedBlobStore"]

CHUNK_BYTES = 255 * 1024
"""GridFS's default chunk size."""


class BlobStore(Protocol):
    """Where evidence files live."""

    async def put(self, blob_id: str, data: bytes, *, content_type: str) -> None:
        """Store a file under ``blob_id`` (once: storing it again changes nothing)."""

    async def get(self, blob_id: str) -> bytes | None:
        """A stored file, or None."""

    async def create_indexes(self) -> None:
        """Declared indexes."""


class ChunkedBlobStore:
    """:class:`BlobStore` in the GridFS layout (``<bucket>.files`` and ``<bucket>.chunks``)."""

    def __init__(self, database: Database, bucket: str = "fs") -> None:
        self._files: Collection = database.collection(f"{bucket}.files")
        self._chunks: Collection = database.collection(f"{bucket}.chunks")

    async def create_indexes(self) -> None:
        """GridFS's own index on chunks."""
        await self._chunks.create_indexes([Index((("files_id", 1), ("n", 1)), unique=True)])

    async def put(self, blob_id: str, data: bytes, *, content_type: str) -> None:
        """Chunks first, then the ``files`` document that makes the file visible."""
        if await self._files.find_one({"_id": blob_id}, projection={"_id": 1}) is not None:
            return
        for n, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            try:
                await self._chunks.insert_one(
                    {"_id": f"{blob_id}:{n}", "files_id": blob_id, "n": n, "data": data[start : start + CHUNK_BYTES]}
                )
            except DuplicateKey:
                continue
        try:
            await self._files.insert_one(
                {
                    "_id": blob_id,
                    "length": len(data),
                    "chunkSize": CHUNK_BYTES,
                    "uploadDate": datetime.now(UTC),
                    "contentType": content_type,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        except DuplicateKey:
            return

    async def get(self, blob_id: str) -> bytes | None:
        """The chunks in order, checked against the recorded length."""
        file = await self._files.find_one({"_id": blob_id})
        if file is None:
            return None
        chunks = await self._chunks.find({"files_id": blob_id}, sort=[("n", 1)])
        data = b"".join(bytes(chunk["data"]) for chunk in chunks)
        return data if len(data) == file["length"] else None
