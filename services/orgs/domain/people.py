"""The people around an organization: members, the three-person management group, mentors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.common.domain import Invalid

__all__ = ["Member", "MemberDraft", "Mentor", "Succession", "check_team"]

TEAM_SIZE = 3


@dataclass(frozen=True, slots=True)
class MemberDraft:
    """A person to add; ``in_management_group`` puts them in the 三人管理小组 at registration."""

    name: str
    phone: str = ""
    joined_on: date | None = None
    in_management_group: bool = False
    account: str | None = None

    def checked(self, field: str) -> MemberDraft:
        """Trimmed and checked: a name, and a phone of digits, spaces, + and - only."""
        name = self.name.strip()
        if not name:
            raise Invalid("a member needs a name", field=f"{field}.name")
        if len(name) > 40:
            raise Invalid("a name is longer than 40 characters", field=f"{field}.name")
        phone = self.phone.strip()
        if phone and (len(phone) > 20 or not all(char.isdigit() or char in "+- " for char in phone)):
            raise Invalid("a phone number has digits, spaces, + and - only", field=f"{field}.phone")
        account = (self.account or "").strip() or None
        if account is not None and (len(account) > 200 or any(char.isspace() for char in account)):
            raise Invalid("an account is the person's sign-in id, without spaces, at most 200 characters", field=f"{field}.account")
        return MemberDraft(name, phone, self.joined_on, self.in_management_group, account)


@dataclass(frozen=True, slots=True)
class Member:
    """A member; the phone number is personal and shown to staff only.

    ``account`` is the person's platform account (the subject of their token), when linked: the
    organization's authority follows it (see :meth:`Organization.may_act`).
    """

    id: str
    name: str
    phone: str
    joined_on: date | None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class Mentor:
    """An outside mentor or teacher (e.g. the photography teacher who founded 掌上明珠)."""

    name: str
    expertise: str = ""
    affiliation: str = ""


@dataclass(frozen=True, slots=True)
class Succession:
    """One change of leader, so that a change of leader does not end the team."""

    from_member_id: str | None
    from_name: str | None
    to_member_id: str
    to_name: str
    on: date
    reason: str
    actor: str
    at: datetime


def check_team(member_ids: tuple[str, ...], members: tuple[Member, ...], *, field: str = "managementGroup") -> tuple[str, ...]:
    """Exactly three distinct members of the organization (the leader may be one of them)."""
    if len(member_ids) != TEAM_SIZE or len(set(member_ids)) != TEAM_SIZE:
        raise Invalid("the management group (三人管理小组) is exactly three distinct members", field=field)
    known = {member.id for member in members}
    for index, member_id in enumerate(member_ids):
        if member_id not in known:
            raise Invalid("every member of the management group must be a member of the organization", field=f"{field}.{index}")
    return member_ids
