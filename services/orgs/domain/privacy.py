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
from services.common.privacy import ANONYMISED, ERASURE_REQUESTED, EXPORT_REQUESTED, pseudonym
from services.orgs.domain.application import Application
from services.orgs.domain.organization import Organization
from services.orgs.domain.people import Member, MemberDraft, Succession

__all__ = [
    "PersonalDataRequest",
    "RequestKind",
    "application_without",
    "request_personal_data",
    "without_account",
    "without_members",
]


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


def without_members(organization: Organization, *, at: datetime) -> Organization:
    """A dissolved organization past the retention period: every member anonymised (name, phone, account link).

    The members stay as many as they were (the figures, the management group and the leaders' succession keep
    their shape); who they were is gone.
    """
    erased = {member.id for member in organization.members}
    members = tuple(Member(m.id, ANONYMISED, "", m.joined_on, None) for m in organization.members)
    history = tuple(_anonymised(step, erased) for step in organization.leader_history)
    return replace(organization, members=members, leader_history=history, updated_at=at)


def application_without(application: Application, account: str | None, *, at: datetime) -> Application:
    """An application with one account's data anonymised (``account``), or everyone's (None: past the retention period).

    The applicant becomes her pseudonym, each founder linked to the account (or every founder) loses name, phone and
    link, and the history's steps she took name her pseudonym; the content of the application and its outcome stay.
    """

    def erased(member: MemberDraft) -> MemberDraft:
        if account is not None and member.account != account:
            return member
        return replace(member, name=ANONYMISED, phone="", account=None)

    applicant = application.applicant
    draft = replace(application.draft, leader=erased(application.draft.leader), members=tuple(erased(m) for m in application.draft.members))
    gone = applicant if account is None or account == applicant else account
    history = tuple(replace(step, actor=pseudonym(gone)) if step.actor == gone else step for step in application.history)
    return replace(application, applicant=pseudonym(applicant) if gone == applicant else applicant, draft=draft, history=history,
                   updated_at=at)  # fmt: skip
