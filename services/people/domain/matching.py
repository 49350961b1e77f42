"""Matching by text: character bigrams, which work for Chinese without a word segmenter.

Two texts are compared by the Dice coefficient of their bigram sets (each bigram weighted by
how rare it is among the community's needs, so 楼道 counts more than 社区); the explanation
names the shared bigrams that weigh most.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Match", "bigrams", "rank_similar"]

_KEEP = re.compile(r"[\w]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    """The character bigrams of each run of letters/digits/CJK (Latin words kept whole too)."""
    grams: set[str] = set()
    for run in _KEEP.findall(text.lower()):
        if run.isascii():
            grams.add(run)
            continue
        if len(run) == 1:
            grams.add(run)
        grams.update(run[index : index + 2] for index in range(len(run) - 1))
    return grams


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate, how similar it is (0–1), and why."""

    id: str
    score: float
    shared: tuple[str, ...]


def rank_similar(text: str, candidates: Sequence[tuple[str, str]], *, limit: int = 5, minimum: float = 0.05) -> list[Match]:
    """The candidates (``(id, text)``) most similar to ``text``, best first."""
    query = bigrams(text)
    if not query:
        return []
    grams = {candidate_id: bigrams(candidate_text) for candidate_id, candidate_text in candidates}
    frequency: Counter[str] = Counter(gram for candidate in grams.values() for gram in candidate)
    total = len(grams) + 1

    def weight(gram: str) -> float:
        return math.log(1 + total / (1 + frequency[gram]))

    def mass(items: Iterable[str]) -> float:
        return sum(weight(gram) for gram in items)

    matches = []
    for candidate_id, candidate in grams.items():
        shared = query & candidate
        if not shared:
            continue
        score = 2 * mass(shared) / (mass(query) + mass(candidate))
        if score >= minimum:
            top = tuple(sorted(shared, key=lambda gram: (-weight(gram), gram))[:5])
            matches.append(Match(candidate_id, round(score, 4), top))
    matches.sort(key=lambda match: (-match.score, match.id))
    return matches[:limit]
