"""Commands of the needs service: check access, let the domain decide, save with the outbox.

Each public method is one use case. Effects on other aggregates (a merge carrying supporters,
an item planning or releasing its needs) are reactions to the service's own events: applied
here right away for the caller's sake, and again, idempotently, by the consumer, so a crash
between the two writes loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from services.common.access import require_district_admin
from services.common.domain import Conflict, Invalid, NotFound
from services.common.events import Event
from services.common.handling import change_aggregate
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.store import DuplicateKey
from services.common.store.statistics import Rebuilt
from services.needs.domain import ItemDraft, Need, NeedDraft, Priority, ServiceItem, TargetGroup, access, draft_item, submit
from services.needs.domain.edits import (
    ITEM_REVISED,
    NEED_CLASSIFIED,
    NEED_REVISED,
    NEED_SUPPORT_WITHDRAWN,
    NEED_SUPPORTED,
    NEED_SUPPORTERS_CARRIED,
    item_edited,
    need_edited,
)
from services.needs.domain.need import NeedStatus
from services.needs.domain.vocabulary import Category
from services.needs.store import NeedsStore

__all__ = ["NeedsHandlers"]


class NeedsHandlers:
    """The needs service's use cases."""

    def __init__(self, store: NeedsStore, *, clock: Callable[[], datetime], notify: Callable[[], None], retention_days: int = 0) -> None:
        self.store = store
        self._clock = clock
        self._notify = notify
        self._retention_days = retention_days

    async def erase_person(self, person: str) -> int:
        """A resident's erasure request: she is no longer the submitter or a supporter of any need; idempotent."""
        return await self.store.anonymise_person(person, at=self._clock())

    async def anonymise_expired(self) -> int:
        """The retention sweep: needs older than their district's retention period lose their personal data; how many did now."""
        now = self._clock()
        return sum([await self.store.anonymise_expired(scope, at=now) for scope in await self.store.retention.expired(now)])

    async def submit_need(self, principal: Principal, draft: NeedDraft, *, idempotency_key: str | None = None) -> Need:
        """需求征集: a resident or staff member submits a need; a retried submission is not doubled."""
        place = await self.store.places.require(draft.community_id)
        access.require_member(principal, draft.community_id, place.district_id)
        need_id = new_id("need", subject=principal.subject, idempotency_key=idempotency_key)
        need, events = submit(draft, need_id=need_id, submitter=principal.subject, at=self._clock())
        try:
            await self.store.insert_need(need, events)
        except DuplicateKey:
            existing = await self.store.need(need_id)
            if existing is None:
                raise Conflict("this idempotency key was used for another need", field="idempotencyKey") from None
            return existing[0]
        self._notify()
        return replace(need, version=1)

    async def support_need(self, principal: Principal, need_id: str) -> Need:
        """A resident supports (endorses) a need; once per resident."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            access.require_supporter(principal, need.community_id)
            supported = need.support(principal.subject, at=at)
            return supported, need_edited(need, supported, NEED_SUPPORTED, actor=principal.subject, at=at)

        return await self._change_need(principal, need_id, decide)

    async def withdraw_support(self, principal: Principal, need_id: str) -> Need:
        """A resident takes their support back."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            access.require_supporter(principal, need.community_id)
            withdrawn = need.withdraw_support(principal.subject, at=at)
            return withdrawn, need_edited(need, withdrawn, NEED_SUPPORT_WITHDRAWN, actor=principal.subject, at=at)

        return await self._change_need(principal, need_id, decide)

    async def revise_need(self, principal: Principal, need_id: str, draft: NeedDraft) -> Need:
        """The submitter edits a need before review."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            revised = need.revise(draft, by=principal.subject, at=at)
            return revised, need_edited(need, revised, NEED_REVISED, actor=principal.subject, at=at)

        return await self._change_need(principal, need_id, decide)

    async def withdraw_need(self, principal: Principal, need_id: str, reason: str) -> Need:
        """The submitter withdraws a need before review."""
        at = self._clock()
        return await self._change_need(principal, need_id, lambda need: need.withdraw(reason, by=principal.subject, at=at))

    async def start_review(self, principal: Principal, need_id: str) -> Need:
        """Staff take a need up for review."""
        at = self._clock()
        return await self._staff_change_need(principal, need_id, lambda need: need.start_review(actor=principal.subject, at=at))

    async def classify_need(
        self,
        principal: Principal,
        need_id: str,
        *,
        category: Category,
        target_groups: tuple[TargetGroup, ...],
        priority: Priority,
        analysis_note: str,
    ) -> Need:
        """分类分析: staff classify and analyse a need."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            classified = need.classify(
                category=category, target_groups=target_groups, priority=priority, analysis_note=analysis_note, at=at
            )
            events = need_edited(need, classified, NEED_CLASSIFIED, actor=principal.subject, at=at)
            return (classified, events) if events else (need, [])

        return await self._staff_change_need(principal, need_id, decide)

    async def accept_need(self, principal: Principal, need_id: str) -> Need:
        """The community will act on the need."""
        at = self._clock()
        return await self._staff_change_need(principal, need_id, lambda need: need.accept(actor=principal.subject, at=at))

    async def reject_need(self, principal: Principal, need_id: str, reason: str) -> Need:
        """The community will not act on the need, with a reason."""
        at = self._clock()
        return await self._staff_change_need(principal, need_id, lambda need: need.reject(reason, actor=principal.subject, at=at))

    async def merge_need(self, principal: Principal, need_id: str, into_need_id: str) -> Need:
        """Fold a duplicate need into another; the target takes over its supporters."""
        at = self._clock()
        loaded = await self.store.need(into_need_id)
        target = loaded[0] if loaded else None
        if target is None or not access.can_see_needs(
            principal, target.community_id, await self.store.places.district_of(target.community_id)
        ):
            raise NotFound("no such need to merge into", field="intoNeedId")
        need = await self._staff_change_need(principal, need_id, lambda need: need.merge_into(target, actor=principal.subject, at=at))
        await self.carry_supporters(into_need_id, list(_merged_supporters(need)), event_id=None, actor=principal.subject)
        return need

    async def create_item(self, principal: Principal, draft: ItemDraft, *, idempotency_key: str | None = None) -> ServiceItem:
        """活动与项目征集: staff turn accepted needs into a service item (in draft)."""
        place = await self.store.places.require(draft.community_id)
        access.require_staff(principal, draft.community_id, place.district_id)
        item_id = new_id("service-item", subject=principal.subject, idempotency_key=idempotency_key)
        existing = await self.store.item(item_id)
        if existing is not None:
            return existing[0]
        needs = await self.store.needs_by_ids(draft.need_ids)
        for index, need_id in enumerate(draft.need_ids):
            need = needs.get(need_id)
            if need is None or need.community_id != draft.community_id:
                raise Invalid("no such need in this community", field=f"needIds.{index}")
            if need.status is not NeedStatus.ACCEPTED:
                raise Invalid(f"need {need_id} is {need.status.value}, not accepted", field=f"needIds.{index}")
        item, events = draft_item(draft, item_id=item_id, actor=principal.subject, at=self._clock())
        try:
            await self.store.insert_item(item, events)
        except DuplicateKey:
            raced = await self.store.item(item_id)
            if raced is None:
                raise Conflict("this idempotency key was used for another item", field="idempotencyKey") from None
            return raced[0]
        self._notify()
        await self.plan_needs(item.id, item.draft.need_ids, actor=principal.subject)
        return replace(item, version=1)

    async def revise_item(self, principal: Principal, item_id: str, draft: ItemDraft) -> ServiceItem:
        """Edit an item while it is a draft."""
        at = self._clock()

        def decide(item: ServiceItem) -> tuple[ServiceItem, list[Event]]:
            revised = item.revise(draft, actor=principal.subject, at=at)
            events = item_edited(item, revised, ITEM_REVISED, actor=principal.subject, at=at)
            return (revised, events) if events else (item, [])

        return await self._staff_change_item(principal, item_id, decide)

    async def publish_item(self, principal: Principal, item_id: str) -> ServiceItem:
        """Open the item for claiming."""
        at = self._clock()
        return await self._staff_change_item(principal, item_id, lambda item: item.publish(actor=principal.subject, at=at))

    async def reopen_item(self, principal: Principal, item_id: str, closes_at: datetime) -> ServiceItem:
        """A halted item (every approved claim terminated) is opened for claiming again with a new window."""
        at = self._clock()
        return await self._staff_change_item(principal, item_id, lambda item: item.republish(closes_at, actor=principal.subject, at=at))

    async def cancel_item(self, principal: Principal, item_id: str, reason: str) -> ServiceItem:
        """Withdraw an item (draft, published, or halted after its claims were terminated); its needs return to accepted."""
        at = self._clock()
        item = await self._staff_change_item(principal, item_id, lambda item: item.cancel(reason, actor=principal.subject, at=at))
        await self.release_needs(item.draft.need_ids, actor=principal.subject, reason=reason)
        return item

    async def record_claim(self, item_id: str, stage: str, claim_id: str, *, event: Event) -> ServiceItem:
        """The claims service reports a claim approved, started, completed, evaluated or terminated."""
        at = self._clock()
        actor = f"claims:{event.data.get('actor', 'service')}"

        def decide(item: ServiceItem) -> tuple[ServiceItem, list[Event]]:
            return item.record_claim(stage, claim_id, actor=actor, at=at)

        item, events = await change_aggregate(
            load=lambda: self.store.item(item_id), decide=decide, save=self._save_item, handled_event=event.id, what="service item"
        )
        self._notify_if(events)
        return item

    async def carry_supporters(self, need_id: str, supporters: Sequence[str], *, event_id: str | None, actor: str = "needs") -> None:
        """The target of a merge takes over the merged need's supporters (idempotent)."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            carried = need.absorb_supporters(list(supporters), at=at)
            return carried, need_edited(need, carried, NEED_SUPPORTERS_CARRIED, actor=actor, at=at)

        _, events = await change_aggregate(
            load=lambda: self.store.need(need_id), decide=decide, save=self._save_need, handled_event=event_id, what="need"
        )
        self._notify_if(events)

    async def plan_needs(self, item_id: str, need_ids: Sequence[str], *, actor: str, event_id: str | None = None) -> None:
        """Link accepted needs to their new item; needs no longer accepted are left as they are."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            if need.status is NeedStatus.ACCEPTED:
                return need.plan(item_id, actor=actor, at=at)
            return need, []

        await self._for_each_need(need_ids, decide, event_id)

    async def release_needs(self, need_ids: Sequence[str], *, actor: str, reason: str | None, event_id: str | None = None) -> None:
        """The item was cancelled: its planned needs are accepted again."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            if need.status is NeedStatus.PLANNED:
                return need.release(actor=actor, at=at, reason=reason)
            return need, []

        await self._for_each_need(need_ids, decide, event_id)

    async def resolve_needs(self, need_ids: Sequence[str], *, actor: str, event_id: str | None = None) -> None:
        """The item's work was evaluated: its needs are resolved."""
        at = self._clock()

        def decide(need: Need) -> tuple[Need, list[Event]]:
            if need.status is NeedStatus.PLANNED:
                return need.resolve(actor=actor, at=at)
            return need, []

        await self._for_each_need(need_ids, decide, event_id)

    async def _for_each_need(
        self, need_ids: Sequence[str], decide: Callable[[Need], tuple[Need, list[Event]]], event_id: str | None
    ) -> None:
        for need_id in need_ids:
            try:
                _, events = await change_aggregate(
                    load=lambda need_id=need_id: self.store.need(need_id),  # type: ignore[misc]
                    decide=decide,
                    save=self._save_need,
                    handled_event=event_id,
                    what="need",
                )
            except NotFound:
                continue
            self._notify_if(events)

    async def _change_need(self, principal: Principal, need_id: str, decide: Callable[[Need], tuple[Need, list[Event]]]) -> Need:
        async def load() -> tuple[Need, frozenset[str]] | None:
            loaded = await self.store.need(need_id)
            if loaded is None:
                return None
            district = await self.store.places.district_of(loaded[0].community_id)
            return loaded if access.can_see_needs(principal, loaded[0].community_id, district) else None

        need, events = await change_aggregate(load=load, decide=decide, save=self._save_need, what="need")
        self._notify_if(events)
        return need

    async def _staff_change_need(self, principal: Principal, need_id: str, decide: Callable[[Need], tuple[Need, list[Event]]]) -> Need:
        async def load() -> tuple[Need, frozenset[str]] | None:
            loaded = await self.store.need(need_id)
            if loaded is None:
                return None
            district = await self.store.places.district_of(loaded[0].community_id)
            if not access.can_see_needs(principal, loaded[0].community_id, district):
                return None
            access.require_staff(principal, loaded[0].community_id, district)
            return loaded

        need, events = await change_aggregate(load=load, decide=decide, save=self._save_need, what="need")
        self._notify_if(events)
        return need

    async def _staff_change_item(
        self, principal: Principal, item_id: str, decide: Callable[[ServiceItem], tuple[ServiceItem, list[Event]]]
    ) -> ServiceItem:
        async def load() -> tuple[ServiceItem, frozenset[str]] | None:
            loaded = await self.store.item(item_id)
            if loaded is None:
                return None
            item = loaded[0]
            district = await self.store.places.district_of(item.community_id)
            if not access.can_see_item(principal, item.community_id, district, item.status):
                return None
            access.require_staff(principal, item.community_id, district)
            return loaded

        item, events = await change_aggregate(load=load, decide=decide, save=self._save_item, what="service item")
        self._notify_if(events)
        return item

    async def rebuild_statistics(self, principal: Principal, district_id: str) -> Rebuilt:
        """A district administrator's recount of the need statistics from the records (Forbidden for anyone else)."""
        require_district_admin(principal, district_id, action="rebuild its statistics")
        return await self.store.tallies.rebuild()

    async def _save_need(self, need: Need, events: Sequence[Event], handled_event: str | None) -> None:
        await self.store.save_need(need, events, handled_event=handled_event)

    async def _save_item(self, item: ServiceItem, events: Sequence[Event], handled_event: str | None) -> None:
        await self.store.save_item(item, events, handled_event=handled_event)

    def _notify_if(self, events: Sequence[Event]) -> None:
        if events:
            self._notify()


def _merged_supporters(need: Need) -> tuple[str, ...]:
    return (*need.supporter_ids, need.submitter_id)
