"""Personal data (个人信息保护法): the erasure request event and the rules every service anonymises by.

Residents' names, phones and addresses are kept only as long as the retention period their district
sets (``setRetentionPeriod``, announced as ``orgs.district.retention_set.v1``; where a district set
none, ``PERSONAL_DATA_RETENTION_DAYS``; 0 keeps them until erased); after that, or when the
resident asks (``orgs.subject.erasure_requested.v1``), each service that holds personal data
replaces it in place, one conditional update per record, so the records and every figure stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from services.common.graphql.errors import PublicError

__all__ = [
    "ANONYMISED",
    "ANONYMISED_AT",
    "ERASURE_REQUESTED",
    "EXPORT_REQUESTED",
    "RetentionSweep",
    "own_only",
    "pseudonym",
    "retention_cutoff",
]

log = logging.getLogger(__name__)

ERASURE_REQUESTED = "orgs.subject.erasure_requested.v1"
"""A resident asked that her personal data be erased; ``data.person`` is her account (token subject)."""

RETENTION_SET = "orgs.district.retention_set.v1"
"""A district set how many days its residents' personal data is kept (``data.district_id``, ``data.days``; 0 keeps it)."""

EXPORT_REQUESTED = "orgs.subject.export_requested.v1"
"""A resident asked for a copy of her personal data (recorded for the audit trail; the copy is composed by the gateway)."""

ANONYMISED = "已匿名"
"""What a name reads once anonymised."""

ANONYMISED_AT = "anonymised_at"
"""The document field recording when a record's personal data was anonymised (absent until then)."""


def own_only(caller: str, person: str) -> None:
    """Personal data is answered to the person herself only (every ``PersonalData`` field checks it again)."""
    if caller != person:
        raise PublicError("only the person herself may read her personal data", "FORBIDDEN", "person")


def pseudonym(person: str) -> str:
    """A stable stand-in for an account id: counts and "each person once" checks still hold, the account is gone."""
    return "anonymised-" + hashlib.sha256(person.encode()).hexdigest()[:16]


def retention_cutoff(retention_days: int, now: datetime) -> datetime | None:
    """Records created before this instant are past the retention period; None when nothing expires."""
    if retention_days <= 0:
        return None
    return now - timedelta(days=retention_days)


class RetentionSweep:
    """A background task anonymising what is past the retention period, every ``interval_s``.

    Durable by construction: what to anonymise is read from the records themselves (made before
    the cutoff, not yet anonymised), so a sweep cut short by a restart is finished by the next.
    """

    def __init__(self, sweep: Callable[[], Awaitable[int]], *, interval_s: float) -> None:
        self._sweep, self._interval_s = sweep, interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start sweeping (the first sweep right away)."""
        self._task = asyncio.create_task(self._run(), name="retention-sweep")

    async def stop(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self._sweep()
            except Exception:
                log.exception("retention sweep failed")
            await asyncio.sleep(self._interval_s)
