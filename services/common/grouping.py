"""Batch results handed back to DataLoader keys: one pass over the results, whatever the number of keys."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

__all__ = ["grouped"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def grouped(found: Iterable[T], keys: Sequence[K], key_of: Callable[[T], K | None]) -> list[list[T]]:
    """For each of ``keys`` (in order), the items of ``found`` whose key is it, in their order.

    A district's dashboard asks for 500 communities at once; filtering the results once per key
    would cost keys × results.
    """
    by_key: dict[K, list[T]] = {key: [] for key in keys}
    for item in found:
        bucket = by_key.get(key_of(item))  # type: ignore[arg-type]
        if bucket is not None:
            bucket.append(item)
    return [by_key[key] for key in keys]
