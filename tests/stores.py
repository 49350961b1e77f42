"""The store backends every contract test runs on: memory:// always, MongoDB when MONGODB_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from services.common.store import Database, connect

BACKENDS = ["memory://", *([os.environ["MONGODB_URL"]] if os.environ.get("MONGODB_URL") else [])]


@pytest.fixture(params=BACKENDS, ids=lambda url: url.split("://")[0])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A fresh database on each backend, dropped afterwards."""
    client = connect(request.param)
    database = client.database(f"renling_test_{uuid.uuid4().hex[:8]}")
    try:
        yield database
    finally:
        await database.drop()
        await client.close()
