"""An application to found an organization (申请成立): residents apply, staff approve or return it.

States: submitted → approved (the organization is registered) | returned (with a reason) →
submitted again once amended; withdrawn by its applicant while submitted or returned. Every
transition is kept with who, when and why, so the application keeps its history.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.common.changes import field_changes
from services.common.domain import Forbidden, Invalid, StateMachine, Transition
from services.common.events import Event, new_event
from services.orgs.domain.organization import OrganizationDraft, register
from services.orgs.domain.vocabulary import FilingStatus, OrganizationKind

__all__ = ["APPLICATION_MACHINE", "Application", "ApplicationStatus", "apply"]

SERVICE = "orgs"


class ApplicationStatus(StrEnum):
    """Where an application stands."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


S = ApplicationStatus
APPLICATION_MACHINE: StateMachine[ApplicationStatus] = StateMachine(
    "organization application",
    {
        "approve": {S.SUBMITTED: S.APPROVED},
        "return": {S.SUBMITTED: S.RETURNED},
        "resubmit": {S.RETURNED: S.SUBMITTED},
        "withdraw": {S.SUBMITTED: S.WITHDRAWN, S.RETURNED: S.WITHDRAWN},
    },
)


@dataclass(frozen=True, slots=True)
class Application:
    """One group of residents' application to found a community social organization."""

    id: str
    applicant: str
    draft: OrganizationDraft
    status: ApplicationStatus
    submitted_at: datetime
    updated_at: datetime
    history: tuple[Transition[ApplicationStatus], ...] = ()
    return_reason: str | None = None
    organization_id: str | None = None
    version: int = 0

    @property
    def community_id(self) -> str:
        """The community the organization would belong to."""
        return self.draft.community_id

    def approve(self, organization_id: str, *, actor: str, at: datetime) -> tuple[Application, list[Event]]:
        """Staff approve: the organization is registered under ``organization_id``."""
        application, events = self._move("approve", actor=actor, at=at, organization_id=organization_id)
        return replace(application, organization_id=organization_id), events

    def return_(self, reason: str, *, actor: str, at: datetime) -> tuple[Application, list[Event]]:
        """Staff return it to the applicants, saying what to change."""
        reason = reason.strip()
        if not reason:
            raise Invalid("say why the application is returned", field="reason")
        if len(reason) > 2_000:
            raise Invalid("the reason is longer than 2000 characters", field="reason")
        application, events = self._move("return", actor=actor, at=at, reason=reason)
        return replace(application, return_reason=reason), events

    def resubmit(self, draft: OrganizationDraft, *, by: str, at: datetime) -> tuple[Application, list[Event]]:
        """The applicant amends a returned application and submits it again."""
        self._require_applicant(by)
        checked = _checked(draft, at=at, applicant=by)
        changes = field_changes(_draft_view(self.draft), _draft_view(checked))
        return replace(self, draft=checked)._move("resubmit", actor=by, at=at, changes=changes)

    def withdraw(self, *, by: str, at: datetime) -> tuple[Application, list[Event]]:
        """The applicant gives up."""
        self._require_applicant(by)
        return self._move("withdraw", actor=by, at=at)

    def _require_applicant(self, by: str) -> None:
        if by != self.applicant:
            raise Forbidden("only the applicant changes an application", field="applicationId")

    def _move(self, action: str, *, actor: str, at: datetime, reason: str | None = None, **data: object) -> tuple[Application, list[Event]]:
        transition = APPLICATION_MACHINE.move(self.status, action, actor=actor, at=at, reason=reason)
        application = replace(self, status=transition.to_status, updated_at=at, history=(*self.history, transition))
        return application, [application._event(f"orgs.application.{transition.to_status.value}.v1", at, **transition.to_data(), **data)]

    def _event(self, routing_key: str, at: datetime, **data: object) -> Event:
        payload = {"application_id": self.id, "community_id": self.community_id, "name": self.draft.profile.name, **data}
        return new_event(routing_key, service=SERVICE, community=self.community_id, subject=self.id, time=at, data=payload)


def _draft_view(draft: OrganizationDraft) -> dict[str, object]:
    """An application's fields as the audit trail compares them (its people under ``members``: personal)."""
    profile = {f"profile.{name}": getattr(draft.profile, name) for name in draft.profile.__dataclass_fields__}
    people = [draft.leader, *draft.members]
    return {
        "kind": draft.kind,
        "founded_on": draft.founded_on,
        "stage": draft.stage,
        "filing_status": draft.status,
        **profile,
        "members": people,
    }


def apply(draft: OrganizationDraft, *, application_id: str, applicant: str, at: datetime) -> tuple[Application, list[Event]]:
    """A new application, checked exactly as the registration it asks for."""
    checked = _checked(draft, at=at, applicant=applicant)
    application = Application(application_id, applicant, checked, S.SUBMITTED, at, at)
    return application, [application._event("orgs.application.submitted.v1", at, status=S.SUBMITTED.value, actor=applicant)]


def _checked(draft: OrganizationDraft, *, at: datetime, applicant: str) -> OrganizationDraft:
    """A community social organization, filed and active once approved; the applicant leads it
    (their account is linked, so authority follows them); the registration's own rules apply."""
    leader = replace(draft.leader, account=draft.leader.account or applicant)
    checked = replace(draft, kind=OrganizationKind.SOCIAL_ORGANIZATION, leader=leader, status=FilingStatus.ACTIVE)
    numbers = itertools.count()
    register(checked, organization_id="application-check", new_member_id=lambda: f"m{next(numbers)}", actor=applicant, at=at)
    return checked
