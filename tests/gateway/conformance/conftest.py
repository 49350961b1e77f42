"""Every conformance case runs twice: with the compiled shaping loop and with its pure-Python source."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _both_shaping_builds(shaping_build: str) -> str:
    """Each test here once per build of :mod:`gateway.shaping_run` (the fixture is ``tests/gateway/conftest.py``'s)."""
    return shaping_build
