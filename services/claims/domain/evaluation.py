"""The summary evaluation (总结评估): a rubric, residents' ratings, and the documented grade rule.

Grade rule: the rubric's five scores (1–5) are averaged; if residents who were served rated the
project (1–5, one rating each), the overall score is 70 % rubric mean + 30 % residents' mean,
otherwise the rubric mean. Overall ≥ 4.5 is EXCELLENT, ≥ 3.5 GOOD, ≥ 2.5 PASS, below FAIL. The
0–100 score other services receive is the overall score × 20.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.claims.domain.vocabulary import Grade
from services.common.domain import Invalid

__all__ = ["ResidentRating", "Rubric", "grade_of", "overall_score"]

RUBRIC_WEIGHT = 0.7
RESIDENT_WEIGHT = 0.3


@dataclass(frozen=True, slots=True)
class Rubric:
    """Staff's scores, 1–5 each."""

    goal_achievement: int
    resident_satisfaction: int
    budget_use: int
    organizational_growth: int
    innovation: int

    def checked(self) -> Rubric:
        """Every score a whole number from 1 to 5."""
        for name in Rubric.__dataclass_fields__:
            score = getattr(self, name)
            if not 1 <= score <= 5:
                camel = name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:])
                raise Invalid("rubric scores are from 1 to 5", field=f"rubric.{camel}")
        return self

    @property
    def mean(self) -> float:
        """The five scores' average."""
        scores = (self.goal_achievement, self.resident_satisfaction, self.budget_use, self.organizational_growth, self.innovation)
        return sum(scores) / len(scores)


@dataclass(frozen=True, slots=True)
class ResidentRating:
    """One served resident's rating."""

    resident: str
    score: int
    comment: str
    at: datetime


def overall_score(rubric: Rubric, ratings: Sequence[ResidentRating]) -> float:
    """The documented combination of rubric and residents' ratings (1–5)."""
    if not ratings:
        return round(rubric.mean, 2)
    residents = sum(rating.score for rating in ratings) / len(ratings)
    return round(RUBRIC_WEIGHT * rubric.mean + RESIDENT_WEIGHT * residents, 2)


def grade_of(score: float) -> Grade:
    """EXCELLENT ≥ 4.5, GOOD ≥ 3.5, PASS ≥ 2.5, else FAIL."""
    if score >= 4.5:
        return Grade.EXCELLENT
    if score >= 3.5:
        return Grade.GOOD
    if score >= 2.5:
        return Grade.PASS
    return Grade.FAIL
