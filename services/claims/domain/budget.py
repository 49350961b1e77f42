"""Money by fund source, in integer fen: requests, approvals and disbursements add up per source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from services.common.domain import Invalid
from services.common.vocabulary import FundSource

__all__ = ["MAX_FEN", "BudgetLine", "check_lines", "totals"]

MAX_FEN = 10**13


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """An amount from one fund source; OTHER sources are told apart by their name."""

    fund_source: FundSource
    amount_fen: int
    source_name: str | None = None

    @property
    def key(self) -> str:
        """A storage-safe key per source (an OTHER source's name is hashed: it may hold any character)."""
        if self.fund_source is FundSource.OTHER:
            return "other_" + hashlib.sha1((self.source_name or "").encode()).hexdigest()[:12]
        return self.fund_source.value

    def to_data(self) -> dict[str, object]:
        """The event and document form."""
        return {"fund_source": self.fund_source.value, "amount_fen": self.amount_fen, "source_name": self.source_name}


def totals(lines: Iterable[BudgetLine]) -> dict[str, int]:
    """Fen per source key."""
    summed: dict[str, int] = {}
    for line in lines:
        summed[line.key] = summed.get(line.key, 0) + line.amount_fen
    return summed


def check_lines(lines: Iterable[BudgetLine], *, field: str, allow_empty: bool = True) -> tuple[BudgetLine, ...]:
    """Whole positive amounts, OTHER sources named, each source once."""
    checked = tuple(lines)
    if not checked and not allow_empty:
        raise Invalid("name at least one fund source", field=field)
    seen: set[str] = set()
    for index, line in enumerate(checked):
        if not 0 < line.amount_fen <= MAX_FEN:
            raise Invalid("an amount must be more than 0 fen", field=f"{field}.{index}.amountFen")
        if line.fund_source is FundSource.OTHER and not (line.source_name or "").strip():
            raise Invalid("name the other fund source", field=f"{field}.{index}.sourceName")
        if line.key in seen:
            raise Invalid("a fund source is listed twice", field=f"{field}.{index}.fundSource")
        seen.add(line.key)
    return checked
