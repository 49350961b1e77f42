"""The people service's handlers: one object the schema and consumers use, made of its use-case groups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.people.handlers.hours import HoursHandlers
from services.people.handlers.matching import MatchingHandlers
from services.people.handlers.sessions import SessionHandlers
from services.people.settings import PeopleSettings
from services.people.store import PeopleStore

__all__ = ["PeopleHandlers"]


class PeopleHandlers:
    """Sessions and attendance, volunteers, hours and certificates, matching."""

    def __init__(self, store: PeopleStore, settings: PeopleSettings, *, clock: Callable[[], datetime], notify: Callable[[], None]) -> None:
        self.store = store
        self.settings = settings
        self._clock = clock
        self.sessions = SessionHandlers(store, clock=clock, notify=notify)
        self.hours = HoursHandlers(store, settings, clock=clock)
        self.matching = MatchingHandlers(store)

    async def anonymise_expired(self) -> int:
        """The retention sweep: register entries and certificates older than their district's retention period lose
        personal data; how many now."""
        now, changed = self._clock(), 0
        for scope in await self.store.retention.expired(now):
            changed += await self.store.anonymise_expired(scope, at=now)
            changed += await self.store.personal.anonymise_expired_certificates(scope, at=now)
        return changed
