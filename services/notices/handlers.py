"""Use cases of the notices service: notices from events, the inbox, preferences, firing reminders.

Every reaction is idempotent without a handled-events list: a notice's id is derived from its
cause and recipient (a second insert is refused by the unique ``_id``), a reminder's from its
moment (scheduled with ``$setOnInsert``), and cancelling twice cancels nothing more.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from services.common.domain import Conflict, Invalid, NotFound
from services.common.event_data import text
from services.common.events import Event
from services.common.identity import Principal
from services.common.wakeup import Wakeup
from services.notices.domain import (
    CLAIM_CLOSED,
    CLAIMANT_TOLD,
    Channel,
    Notice,
    NoticeDraft,
    NoticeKind,
    Preferences,
    notice_id,
    notices_for,
    reminders_for,
)
from services.notices.settings import NoticesSettings
from services.notices.store import NoticesStore

if TYPE_CHECKING:
    from services.notices.worker import NoticesWorker

__all__ = ["ClaimantNotYetKnown", "NoticesHandlers"]

log = logging.getLogger(__name__)
MAX_MARKED = 500


class ClaimantNotYetKnown(RuntimeError):
    """A claim's event arrived before its submission: retried after a delay (never dead-lettered at once)."""


class NoticesHandlers:
    """The notices service's use cases."""

    def __init__(self, store: NoticesStore, settings: NoticesSettings, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self._clock = clock
        self.signal = Wakeup()
        self.worker: NoticesWorker | None = None

    def now(self) -> datetime:
        """The service clock."""
        return self._clock()

    @property
    def lead(self) -> timedelta:
        """How long before its moment a reminder fires."""
        return timedelta(seconds=self.settings.notices_reminder_lead_s)

    async def on_event(self, event: Event) -> None:
        """Tell the people an event concerns, and schedule or cancel the reminders it implies."""
        event = await self._with_claimants(event)
        for draft in notices_for(event):
            await self._store_notice(draft, cause=event.id)
        plan = reminders_for(event, lead=self.lead)
        if plan.cancel_refs:
            await self.store.cancel(event.community, plan.cancel_refs, plan.cancel_recipients, keep=[r.id for r in plan.schedule])
        for reminder in plan.schedule:
            await self.store.schedule(reminder)

    async def _with_claimants(self, event: Event) -> Event:
        """Keep who submitted which claim (the claims events name the claim, not its person) and add the person where needed.

        A claim's decision or supervision seen before its submission is retried later (:class:`ClaimantNotYetKnown`).
        """
        data = event.data
        key = event.routing_key
        if key == "claims.claim.submitted.v1":
            await self.store.claim_opened(text(data, "claim_id"), event.community, text(data, "item_id"), text(data, "actor"))
        elif key in CLAIM_CLOSED:
            await self.store.claim_closed(text(data, "claim_id"))
        if key == "claims.meeting.scheduled.v1":
            agenda = [item for item in data.get("item_ids") or [] if isinstance(item, str)]
            return replace(event, data={**data, "attendee_ids": await self.store.claimants_of(event.community, agenda)})
        if key in CLAIMANT_TOLD and "claimant_subject" not in data:
            claimant = await self.store.claimant(text(data, "claim_id"))
            if claimant is None:
                raise ClaimantNotYetKnown(f"claim {data.get('claim_id')} was not seen submitted yet")
            return replace(event, data={**data, "claimant_subject": claimant})
        return event

    async def _store_notice(self, draft: NoticeDraft, *, cause: str) -> bool:
        preferences = await self.store.person_preferences(draft.recipient)
        if not preferences.wants(draft.kind):
            return False
        notice = Notice(
            id=notice_id(cause, draft.recipient, draft.kind),
            recipient=draft.recipient,
            community_id=draft.community_id,
            kind=draft.kind,
            title=draft.title,
            body=draft.body,
            subject_id=draft.subject_id,
            created_at=self._clock(),
            pending_channels=preferences.outgoing(draft.kind),
        )
        stored = await self.store.insert_notice(notice)
        if stored:
            await self.signal.notify()
        return stored

    async def fire_due(self, *, limit: int = 100) -> int:
        """Fire every due reminder this replica can claim; how many it fired."""
        now = self._clock()
        fired = 0
        lease = timedelta(seconds=self.settings.notices_lease_s)
        for reminder in await self.store.due_reminders(now, limit=limit):
            if not await self.store.claim_reminder(reminder.id, now, lease):
                continue  # another replica has it
            if reminder.about_at >= now:
                await self._store_notice(reminder.notice(), cause=reminder.id)
            await self.store.reminder_fired(reminder.id, now)
            fired += 1
        return fired

    async def communities(self, principal: Principal) -> list[str]:
        """The communities whose notices the caller's inbox shows: theirs and those of their districts."""
        own = set(principal.communities)
        if principal.districts:
            own |= {place.community_id for place in await self.store.places.communities_in(district_ids=sorted(principal.districts))}
        return sorted(own)

    async def mark_read(self, principal: Principal, notice_ids: Sequence[str] | None) -> int:
        """Mark the caller's notices read (those named, or every unread one); how many changed."""
        if notice_ids is not None and len(notice_ids) > MAX_MARKED:
            raise Invalid(f"at most {MAX_MARKED} notices at once", field="noticeIds")
        communities = await self.communities(principal)
        if notice_ids is not None:
            mine = await self.store.owned(principal.subject, communities, notice_ids)
            missing = [index for index, notice in enumerate(notice_ids) if notice not in mine]
            if missing:
                raise NotFound("no such notice of yours", field=f"noticeIds.{missing[0]}")
        return await self.store.mark_read(principal.subject, communities, notice_ids, self._clock())

    async def unread(self, principal: Principal) -> int:
        """How many unread notices the caller has."""
        return await self.store.count_notices(principal.subject, await self.communities(principal), unread_only=True)

    async def set_preferences(
        self,
        principal: Principal,
        *,
        muted_kinds: Sequence[NoticeKind] | None,
        channels: Sequence[Channel] | None,
        phone: str | None,
        wechat_openid: str | None,
        webhook_url: str | None,
    ) -> Preferences:
        """Change the caller's preferences; fields left out (None) keep their value, an empty string clears an address."""
        for _ in range(8):
            current = await self.store.person_preferences(principal.subject)
            changed = Preferences(
                person=principal.subject,
                muted_kinds=frozenset(muted_kinds) if muted_kinds is not None else current.muted_kinds,
                channels=frozenset({Channel.INBOX, *channels}) if channels is not None else current.channels,
                phone=_address(phone, current.phone),
                wechat_openid=_address(wechat_openid, current.wechat_openid),
                webhook_url=_address(webhook_url, current.webhook_url),
                version=current.version,
            ).checked()
            if webhook_url and changed.webhook_url:
                await self._check_webhook_host(changed.webhook_url)
            if await self.store.save_preferences(changed, at=self._clock(), community_ids=sorted(principal.communities)):
                return await self.store.person_preferences(principal.subject)
        raise Conflict("your preferences are being changed elsewhere; try again")

    async def _check_webhook_host(self, url: str) -> None:
        """Refuse a webhook on a private, loopback or link-local address (unless the deployment allows them)."""
        if self.settings.webhook_allow_private:
            return
        host = urlparse(url).hostname or ""
        try:
            infos = await asyncio.to_thread(socket.getaddrinfo, host, None) if host else []
        except OSError as error:
            raise Invalid(f"the host does not resolve: {error}", field="webhookUrl") from error
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
                raise Invalid("webhook URLs must not point at private or loopback addresses", field="webhookUrl")


def _address(given: str | None, current: str | None) -> str | None:
    if given is None:
        return current
    return given.strip() or None
