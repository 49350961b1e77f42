"""BSON has datetimes only: how days and instants are stored, the same in every service."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

__all__ = ["aware", "day_from_bson", "day_to_bson", "optional_day_from_bson", "optional_day_to_bson"]


def day_to_bson(day: date) -> datetime:
    """A calendar day as its UTC midnight."""
    return datetime.combine(day, time(), tzinfo=UTC)


def day_from_bson(value: datetime) -> date:
    """Inverse of :func:`day_to_bson`."""
    return aware(value).date()


def optional_day_to_bson(day: date | None) -> datetime | None:
    """:func:`day_to_bson`, keeping None."""
    return None if day is None else day_to_bson(day)


def optional_day_from_bson(value: datetime | None) -> date | None:
    """:func:`day_from_bson`, keeping None."""
    return None if value is None else day_from_bson(value)


def aware(value: datetime) -> datetime:
    """A stored instant as timezone-aware UTC (drivers may hand back naive UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
