"""Reading a consumed event's ``data`` strictly: a broken contract is unprocessable, not a crash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.bus import UnprocessableEvent

__all__ = ["integer", "number", "optional_int", "optional_text", "text", "texts"]


def text(data: Mapping[str, Any], key: str) -> str:
    """A required non-empty string."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise UnprocessableEvent(f"event data lacks {key}")
    return value


def optional_text(data: Mapping[str, Any], key: str) -> str | None:
    """A string if present and non-empty."""
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def texts(data: Mapping[str, Any], key: str) -> list[str]:
    """A required list of strings."""
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UnprocessableEvent(f"event data lacks a list of strings {key}")
    return value


def optional_int(data: Mapping[str, Any], key: str) -> int | None:
    """A whole number if present (booleans are not numbers here)."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnprocessableEvent(f"event data {key} must be a whole number")
    return value


def number(data: Mapping[str, Any], key: str, low: float, high: float) -> float:
    """A required number within ``[low, high]``."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise UnprocessableEvent(f"event data {key} must be a number from {low} to {high}")
    return float(value)


def integer(data: Mapping[str, Any], key: str, low: int, high: int) -> int:
    """A required whole number within ``[low, high]`` (money in fen, counts)."""
    value = optional_int(data, key)
    if value is None or not low <= value <= high:
        raise UnprocessableEvent(f"event data {key} must be a whole number from {low} to {high}")
    return value
