"""Personal data in the orgs service: a resident's erasure request, and an organization without her.

Pure: no I/O. The request is a record of its own (who asked, when, in which community) whose
event every service that holds personal data answers by anonymising her records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.common.domain import Forbidden
from services.common.events import Event, new_event
from services.common.identity import Principal
from services.common.privacy import ANONYMISED, ERASURE_REQUESTED
from services.orgs.domain.organization import Organization
from services.orgs.domain.people import Member, Succession

__all__ = ["ErasureRequest", "request_erasure", "without_account"]


@dataclass(frozen=True, slots=True)
class ErasureRequest:
    """A resident's request that the platform erase her personal data (个人信息删除)."""

    id: str
    community_id: str
    person: str
    requested_at: datetime


def request_erasure(principal: Principal, community_id: str, *, request_id: str, at: datetime) -> tuple[ErasureRequest, list[Event]]:
    """The caller asks for her own data to be erased; she must belong to the community by her token."""
    if community_id not in principal.communities:
        raise Forbidden("you may ask for erasure only in a community your account belongs to", field="communityId")
    request = ErasureRequest(request_id, community_id, principal.subject, at)
    data = {"request_id": request_id, "community_id": community_id, "person": principal.subject, "actor": principal.subject}
    event = new_event(ERASURE_REQUESTED, service="orgs", community=community_id, data=data, subject=request_id, time=at)
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
