"""The period a statistic covers: calendar days in the district's time (China Standard Time)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import strawberry

from services.common.domain import LOCAL_TIME, Invalid

__all__ = ["PeriodInput", "bounds"]


@strawberry.input(description="A period of calendar days (China Standard Time), both ends included; either end may be left open.")
class PeriodInput:
    from_: date | None = strawberry.field(default=None, name="from", description="First day counted (default: since the beginning).")
    to: date | None = strawberry.field(default=None, description="Last day counted (default: up to now).")


def bounds(period: PeriodInput | None) -> tuple[datetime | None, datetime | None]:
    """The instants ``[from 00:00, day after to 00:00)`` in the district's time; (None, None) for all time."""
    if period is None:
        return None, None
    if period.from_ and period.to and period.to < period.from_:
        raise Invalid("the period ends before it starts", field="period.to")
    start = datetime.combine(period.from_, time(), LOCAL_TIME) if period.from_ else None
    end = datetime.combine(period.to + timedelta(days=1), time(), LOCAL_TIME) if period.to else None
    return start, end
