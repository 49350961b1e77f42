"""Organizations counted as of a day and per year, by kind and purpose (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from services.orgs.domain.vocabulary import OrganizationKind, Purpose

__all__ = ["OrganizationCount", "OrganizationFacts", "count_as_of", "count_per_year"]


@dataclass(frozen=True, slots=True)
class OrganizationFacts:
    """What counting needs of one organization."""

    community_id: str
    kind: OrganizationKind
    purpose: Purpose
    founded_on: date
    dissolved_on: date | None

    def alive_on(self, day: date) -> bool:
        """Founded by then and not yet dissolved."""
        return self.founded_on <= day and (self.dissolved_on is None or self.dissolved_on > day)


@dataclass(frozen=True, slots=True)
class OrganizationCount:
    """How many organizations, of which kinds and purposes, on one day."""

    as_of: date
    total: int
    by_kind: dict[OrganizationKind, int] = field(default_factory=dict)
    by_purpose: dict[Purpose, int] = field(default_factory=dict)


def count_as_of(organizations: Iterable[OrganizationFacts], day: date) -> OrganizationCount:
    """Organizations alive on ``day``."""
    alive = [facts for facts in organizations if facts.alive_on(day)]
    return OrganizationCount(
        as_of=day,
        total=len(alive),
        by_kind=dict(Counter(facts.kind for facts in alive)),
        by_purpose=dict(Counter(facts.purpose for facts in alive)),
    )


def count_per_year(organizations: Iterable[OrganizationFacts], first_year: int, last_year: int) -> list[OrganizationCount]:
    """Organizations alive at the end of each year from ``first_year`` to ``last_year``."""
    facts = list(organizations)
    return [count_as_of(facts, date(year, 12, 31)) for year in range(first_year, last_year + 1)]
