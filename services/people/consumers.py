"""Event reactions of the people service: read models of places, items (and their approved claimant) and needs.

Each reaction records the event id in the document it changes, in the same conditional update,
so a redelivered event changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from services.common.bus import Subscription, UnprocessableEvent
from services.common.event_data import optional_text, text
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.common.privacy import ERASURE_REQUESTED, RETENTION_SET
from services.people.handlers import PeopleHandlers

__all__ = ["ClaimantNotYetKnown", "PeopleConsumers"]

ORG_EVENTS = ("orgs.org.updated.v1", "orgs.org.stage_changed.v1", "orgs.org.status_changed.v1")
NEED_EVENTS = ("needs.need.accepted.v1", "needs.need.rejected.v1", "needs.need.merged.v1", "needs.need.status_changed.v1")


class ClaimantNotYetKnown(RuntimeError):
    """An approval arrived before its claim's submission: retried after a delay."""


class PeopleConsumers:
    """Routes each subscribed event to its read model."""

    def __init__(self, handlers: PeopleHandlers) -> None:
        self._store = handlers.store
        self._reactions: Mapping[str, Callable[[Event], Awaitable[None]]] = {
            COMMUNITY_REGISTERED: self._store.places.on_community_registered,
            "needs.item.published.v1": self.item_published,
            "claims.claim.submitted.v1": self.claim_submitted,
            "claims.claim.approved.v1": self.claim_approved,
            "claims.project.evaluated.v1": self.project_evaluated,
            "needs.item.status_changed.v1": self.item_status_changed,
            "needs.item.cancelled.v1": self.item_status_changed,
            "orgs.org.registered.v1": self.organization_changed,
            **dict.fromkeys(ORG_EVENTS, self.organization_changed),
            "needs.need.submitted.v1": self.need_changed,
            **dict.fromkeys(NEED_EVENTS, self.need_changed),
            ERASURE_REQUESTED: self.erasure_requested,
            RETENTION_SET: self._store.retention.on_retention_set,
        }

    def subscription(self) -> Subscription:
        """The people service's one durable consumer and what it is bound to."""
        return Subscription(consumer="people", bindings=tuple(self._reactions), handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Dispatch by routing key; an event we are not bound to is a wiring error."""
        reaction = self._reactions.get(event.routing_key)
        if reaction is None:
            raise UnprocessableEvent(f"people does not handle {event.type}")
        await reaction(event)

    async def erasure_requested(self, event: Event) -> None:
        """A resident asked for erasure: her register entries lose her names, ID number and phone; her attendance,
        places on sessions and certificates no longer carry her account or name (idempotent)."""
        person = text(event.data, "person")
        await self._store.anonymise_volunteer(person, at=event.time)
        await self._store.personal.unlink(person)

    async def item_published(self, event: Event) -> None:
        """An item people can have sessions for."""
        data = event.data
        fields = {
            "community_id": event.community,
            "title": text(data, "title"),
            "kind": optional_text(data, "kind"),
            "category": optional_text(data, "category"),
            "eligible_claimant_kinds": [kind for kind in data.get("eligible_claimant_kinds") or [] if isinstance(kind, str)],
            "status": "published",
        }
        await self._store.record_item(text(data, "item_id"), fields, event.id)

    async def item_status_changed(self, event: Event) -> None:
        """Claimed, in progress, cancelled…: no longer open for claiming."""
        await self._store.record_item(
            text(event.data, "item_id"), {"community_id": event.community, "status": text(event.data, "status")}, event.id
        )

    async def organization_changed(self, event: Event) -> None:
        """An organization's profile for matching, from the snapshot every ``orgs.org.*`` event carries.

        Its fields of activity come with its registration (``fields``) and, when edited, with
        ``orgs.org.updated.v1``'s ``changes`` (old and new values): matching ranks by the new ones.
        """
        data = event.data
        fields: dict[str, object] = {
            "community_id": event.community,
            "name": text(data, "name"),
            "kind": text(data, "kind"),
            "status": text(data, "status"),
            "stage": text(data, "stage"),
            "served": [community for community in data.get("served_community_ids") or [] if isinstance(community, str)],
        }
        if isinstance(data.get("fields"), list):
            fields["fields"] = [name for name in data["fields"] if isinstance(name, str)]
        changes = data.get("changes")
        edited = changes.get("fields") if isinstance(changes, Mapping) else None
        if isinstance(edited, Mapping) and isinstance(edited.get("new"), list):
            fields["fields"] = [name for name in edited["new"] if isinstance(name, str)]
        await self._store.record_org(text(data, "organization_id"), fields, event.id)

    async def project_evaluated(self, event: Event) -> None:
        """An evaluated project's score counts in its organization's track record."""
        organization, score = optional_text(event.data, "organization_id"), event.data.get("score")
        if organization and isinstance(score, int | float) and not isinstance(score, bool):
            await self._store.org_scored(organization, event.community, text(event.data, "claim_id"), float(score), event.id)

    async def claim_submitted(self, event: Event) -> None:
        """Who submitted a claim (the claims events after it name the claim, not its person)."""
        await self._store.record_claimant(text(event.data, "claim_id"), event.community, text(event.data, "actor"), event.id)

    async def claim_approved(self, event: Event) -> None:
        """The approved claimant organizes the item's sessions with the staff (retried if its submission was not seen yet)."""
        claim_id = text(event.data, "claim_id")
        claimant = await self._store.claimant(claim_id)
        if claimant is None:
            raise ClaimantNotYetKnown(f"claim {claim_id} was not seen submitted yet")
        fields = {
            "community_id": event.community,
            "claim_id": claim_id,
            "claimant_subject": claimant,
            "organization_id": optional_text(event.data, "organization_id"),
        }
        await self._store.record_item(text(event.data, "item_id"), fields, event.id)
        organization = optional_text(event.data, "organization_id")
        if organization:
            await self._store.org_claimed(organization, event.community, text(event.data, "item_id"), event.id)

    async def need_changed(self, event: Event) -> None:
        """A need's title and status, for "similar needs"."""
        fields: dict[str, object] = {"community_id": event.community, "status": text(event.data, "status")}
        title = optional_text(event.data, "title")
        if title:
            fields["title"] = title
        await self._store.record_need(text(event.data, "need_id"), fields, event.id)
