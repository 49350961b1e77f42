"""The volunteer service record (志愿服务记录证明): a person's confirmed hours in a period, with a code anyone can check."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from services.common.domain import Invalid

__all__ = ["Certificate", "ServiceLine", "check_period", "new_verification_code"]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """16 characters from an alphabet without look-alikes (0/O, 1/I), grouped by four."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[index : index + 4] for index in range(0, 16, 4))


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One confirmed session on the record."""

    on: date
    title: str
    minutes: int


@dataclass(frozen=True, slots=True)
class Certificate:
    """What the record says, as issued (it does not change when later hours are confirmed)."""

    code: str
    community_id: str
    community_name: str
    person: str
    real_name: str
    period_from: date
    period_to: date
    lines: tuple[ServiceLine, ...]
    issued_at: datetime
    issued_by: str

    @property
    def minutes(self) -> int:
        """Total confirmed minutes of the period."""
        return sum(line.minutes for line in self.lines)

    @property
    def hours(self) -> float:
        """Total hours, to a tenth."""
        return round(self.minutes / 60, 1)


def check_period(period_from: date, period_to: date) -> None:
    """A period runs forward and spans at most ten years."""
    if period_to < period_from:
        raise Invalid("the period ends before it starts", field="to")
    if (period_to - period_from).days > 3660:
        raise Invalid("a period spans at most ten years", field="to")
