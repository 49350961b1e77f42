"""What an organization is described by, and the records of its history: profile, draft, status and stage changes, support.

Plain values the :class:`~services.orgs.domain.organization.Organization` aggregate holds; the
profile checks itself (names, lengths, who may ask to serve several communities).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from services.common.domain import Invalid
from services.orgs.domain.people import MemberDraft, Mentor
from services.orgs.domain.vocabulary import ActivityField, FilingStatus, OrganizationKind, Purpose, Stage, SupportKind

__all__ = ["OrganizationDraft", "Profile", "StageChange", "StatusChange", "SupportRecord"]


@dataclass(frozen=True, slots=True)
class Profile:
    """What staff (and the organization's leader) describe and may edit."""

    name: str
    purpose: Purpose
    fields: tuple[ActivityField, ...]
    description: str = ""
    mentors: tuple[Mentor, ...] = ()
    partner_ids: tuple[str, ...] = ()
    served_community_ids: tuple[str, ...] = ()
    """Of an organization: its home and the communities that granted a service link. Of an input: the communities it wants to serve."""

    def checked(self, *, kind: OrganizationKind, community_id: str, own_id: str | None) -> Profile:
        """Trimmed and checked; only partner NGOs ask to serve several communities (the home one leads ``served_community_ids``)."""
        name = self.name.strip()
        if not name:
            raise Invalid("the name must not be empty", field="name")
        if len(name) > 60:
            raise Invalid("the name is longer than 60 characters", field="name")
        if len(self.description) > 4_000:
            raise Invalid("the description is longer than 4000 characters", field="description")
        served = tuple(dict.fromkeys((community_id, *self.served_community_ids)))
        if kind is not OrganizationKind.PARTNER_ORGANIZATION and served != (community_id,):
            raise Invalid("only partner organizations serve several communities", field="servedCommunityIds")
        if own_id is not None and own_id in self.partner_ids:
            raise Invalid("an organization is not its own partner", field="partnerIds")
        for index, mentor in enumerate(self.mentors):
            if not mentor.name.strip():
                raise Invalid("a mentor needs a name", field=f"mentors.{index}.name")
        return replace(
            self, name=name, description=self.description.strip(), fields=tuple(dict.fromkeys(self.fields)), served_community_ids=served,
            partner_ids=tuple(dict.fromkeys(self.partner_ids)),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrganizationDraft:
    """What staff fill in to register an organization."""

    community_id: str
    kind: OrganizationKind
    founded_on: date
    profile: Profile
    leader: MemberDraft
    members: tuple[MemberDraft, ...] = ()
    stage: Stage = Stage.NEEDS_ASSESSMENT
    status: FilingStatus = FilingStatus.FILED


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A move of the filing status, effective on a day."""

    action: str
    from_status: FilingStatus | None
    to_status: FilingStatus
    effective_on: date
    actor: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StageChange:
    """A move along the development path: who, when, why; ``correction`` if by a district administrator out of order."""

    from_stage: Stage | None
    to_stage: Stage
    actor: str
    at: datetime
    reason: str
    correction: bool = False


@dataclass(frozen=True, slots=True)
class SupportRecord:
    """Support given: funds (with an amount in fen), venue, training, publicity, outside teacher, study visit, platform."""

    id: str
    kind: SupportKind
    on: date
    amount_fen: int | None = None
    provider: str = ""
    note: str = ""
    recorded_by: str = ""
    recorded_at: datetime | None = None
