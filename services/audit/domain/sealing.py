"""Salted digests of personal values: what an audit entry's hash covers in their place, so they can be erased.

An entry's hash (version 2) covers, for each personal value, SHA-256 of a random per-value salt
followed by the value's canonical JSON — not the value. The entry keeps the value and its salt
beside the digest; erasing the value deletes both and leaves the digest (and when and why it was
erased), so the chain still verifies while nothing of the value is left to read or to guess (the
salt is gone, so a short value such as a phone number cannot be found by trying every one).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["ACTOR", "Sealed", "canonical", "digest", "new_salt", "slot"]

ACTOR = "actor"
"""The slot of an entry's actor; a change's values are ``changes.<index>.old`` / ``changes.<index>.new``."""


def slot(index: int, side: str) -> str:
    """The slot of a change's old or new value."""
    return f"changes.{index}.{side}"


def canonical(value: Any) -> str:
    """The canonical JSON of a value (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(salt: str, value: Any) -> str:
    """SHA-256 of the salt followed by the value's canonical JSON."""
    return hashlib.sha256((salt + canonical(value)).encode()).hexdigest()


def new_salt() -> str:
    """A fresh random salt (128 bits, hex)."""
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Sealed:
    """One personal value's digest and salt; once erased, the digest alone with when and why."""

    digest: str
    salt: str | None
    erased_at: datetime | None = None
    why: str | None = None

    @property
    def erased(self) -> bool:
        """The value and its salt were deleted."""
        return self.salt is None

    def holds(self, value: Any) -> bool:
        """Whether the value kept beside is the one digested (an erased slot must keep none)."""
        return value is None if self.salt is None else digest(self.salt, value) == self.digest
