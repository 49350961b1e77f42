"""Substring search that an index can answer, for text without spaces between words (Chinese).

Each searchable document keeps ``search_grams``: the distinct characters and pairs of adjacent
characters of its searchable fields (case-folded, spaces collapsed). A query of two or more
characters must find every one of its own pairs there, one of one character its character;
that is a condition a multikey index answers (on MongoDB and ``memory://`` alike), and the
candidates it leaves are then matched exactly as substrings of the fields. So "停车" finds
"东门停车调解" and "调解" finds a description that mentions it, with no word splitting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["SEARCH_GRAMS", "grams_of", "text_filter"]

SEARCH_GRAMS = "search_grams"
_SPACES = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


def grams_of(texts: Iterable[str]) -> list[str]:
    """The characters and adjacent pairs of characters of ``texts`` (sorted, distinct), kept in ``search_grams``."""
    grams: set[str] = set()
    for text in texts:
        normal = _normal(text)
        grams.update(char for char in normal if char != " ")
        grams.update(normal[index : index + 2] for index in range(len(normal) - 1))
    return sorted(grams)


def _query_grams(text: str) -> list[str]:
    normal = _normal(text)
    if len(normal) < 2:
        return [normal] if normal else []
    return sorted({normal[index : index + 2] for index in range(len(normal) - 1)})


def text_filter(text: str, fields: Sequence[str]) -> dict[str, Any]:
    """A filter for documents whose ``fields`` contain ``text`` (case-insensitive): the index-backed
    gram condition, then the exact substring match on the candidates."""
    grams = _query_grams(text)
    pattern = {"$regex": re.escape(_SPACES.sub(" ", text.strip())), "$options": "i"}
    exact = {"$or": [{field: pattern} for field in fields]}
    if not grams:
        return {}
    return {"$and": [{SEARCH_GRAMS: {"$all": grams}}, exact]}
