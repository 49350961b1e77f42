"""Aggregate ids, random or derived from a client's idempotency key.

A client that retries a creating mutation (a flaky mobile network) sends the same
``idempotencyKey``; the id is then the same, the second insert hits the unique ``_id``, and the
handler returns the record the first attempt made instead of a duplicate.
"""

from __future__ import annotations

import uuid

from services.common.domain import Invalid

__all__ = ["new_id"]

_NAMESPACE = uuid.UUID("6f1c3d4e-2b7a-5e1f-9c0d-8a7b6c5d4e3f")
MAX_KEY_LENGTH = 200


def new_id(kind: str, *, subject: str, idempotency_key: str | None) -> str:
    """A fresh id, or the id this subject's key always maps to for this kind of record."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    if not idempotency_key.strip() or len(idempotency_key) > MAX_KEY_LENGTH:
        raise Invalid(f"an idempotency key is 1–{MAX_KEY_LENGTH} characters", field="idempotencyKey")
    return uuid.uuid5(_NAMESPACE, f"{kind}\x1f{subject}\x1f{idempotency_key}").hex
