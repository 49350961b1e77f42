"""Personal data in the orgs service: a resident's erasure request, and an organization without her.

Pure: no I/O. A request is a record of its own (who asked, what, when, in which community);
every service holding personal data answers an erasure request's event by anonymising her
records, and the audit service chains both kinds into her community's trail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.common.domain import Forbidden
from services.common.events import Event, new_event
from services.common.identity import Principal
from services.common.privacy import ANONYMISED, ERASURE_REQUESTED, EXPORT_REQUESTED
from services.orgs.domain.organization import Organization
from services.orgs.domain.people import Member, Succession

__all__ = ["PersonalDataRequest", "RequestKind", "request_personal_data", "without_account"]


class RequestKind(StrEnum):
    """What a resident asks about her personal data."""

    ERASURE = "erasure"
    EXPORT = "export"


_EVENTS = {RequestKind.ERASURE: ERASURE_REQUESTED, RequestKind.EXPORT: EXPORT_REQUESTED}


@dataclass(frozen=True, slots=True)
class PersonalDataRequest:
    """A resident's request about her personal data: a copy (查阅、复制) or its erasure (删除)."""

    id: str
    kind: RequestKind
    community_id: str
    person: str
    requested_at: datetime


def request_personal_data(
    principal: Principal, kind: RequestKind, community_id: str, *, request_id: str, at: datetime
) -> tuple[PersonalDataRequest, list[Event]]:
    """The caller asks about her own data; she must belong to the community by her token (its trail records it)."""
    if community_id not in principal.communities:
        raise Forbidden("you may ask about your personal data only in a community your account belongs to", field="communityId")
    request = PersonalDataRequest(request_id, kind, community_id, principal.subject, at)
    data = {"request_id": request_id, "community_id": community_id, "person": principal.subject, "actor": principal.subject}
    event = new_event(_EVENTS[kind], service="orgs", community=community_id, data=data, subject=request_id, time=at)
    return request, [event]


def without_account(organization: Organization, account: str, *, at: datetime) -> Organization | None:
    """The organization with the member linked to ``account`` anonymised (name, phone, link), or None if she is not in it.

    The member stays (the team, its management group and its history keep their shape); only who
    she was is gone, in the member list and in the succession of leaders.
    """
    erased = {member.id for member in organization.members if member.account == account}
    if not erased:
        return None
    members = tuple(Member(m.id, ANONYMISED, "", m.joined_on, None) if m.id in erased else m for m in organization.members)
    history = tuple(_anonymised(step, erased) for step in organization.leader_history)
    return replace(organization, members=members, leader_history=history, updated_at=at)


def _anonymised(step: Succession, erased: set[str]) -> Succession:
    from_name = ANONYMISED if step.from_member_id in erased else step.from_name
    to_name = ANONYMISED if step.to_member_id in erased else step.to_name
    return replace(step, from_name=from_name, to_name=to_name)
