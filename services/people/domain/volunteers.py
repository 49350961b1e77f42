"""The volunteer register (志愿者登记) and hours per person: a register entry per community and person.

The real name and ID number are kept for staff only (like organization members' phones); a
person's hours are the sum of their confirmed attendance, never a typed lump.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime

from services.common.domain import Invalid
from services.common.events import Event, new_event

__all__ = ["VOLUNTEER_REGISTERED", "Volunteer", "masked", "registered_event", "volunteer_id", "volunteer_record_id"]

_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9Xx]$")
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def volunteer_id(community_id: str, person: str) -> str:
    """One register entry per person in a community."""
    return f"{community_id}:{person}"


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A registered volunteer."""

    id: str
    community_id: str
    person: str
    display_name: str
    real_name: str
    id_number: str | None
    phone: str | None
    skills: tuple[str, ...]
    registered_at: datetime
    version: int = 0

    def checked(self) -> Volunteer:
        """The entry, or :class:`Invalid` naming the field at fault."""
        if not 1 <= len(self.real_name.strip()) <= 50:
            raise Invalid("a real name is 1–50 characters", field="realName")
        if not 1 <= len(self.display_name.strip()) <= 50:
            raise Invalid("a display name is 1–50 characters", field="displayName")
        if self.id_number is not None and not _ID_NUMBER.match(self.id_number):
            raise Invalid("a resident ID number is 18 characters", field="idNumber")
        if self.phone is not None and not _PHONE.match(self.phone):
            raise Invalid("a phone number is 6–15 digits", field="phone")
        if len(self.skills) > 20 or any(not 1 <= len(skill) <= 30 for skill in self.skills):
            raise Invalid("at most 20 skills of 1–30 characters", field="skills")
        return replace(self, real_name=self.real_name.strip(), display_name=self.display_name.strip())


def masked(name: str) -> str:
    """A name as shown to anyone checking a certificate: 王秀兰 → 王*兰."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


VOLUNTEER_REGISTERED = "people.volunteer.registered.v1"
"""A resident registered (or updated her entry) in the register: ``changes`` holds each field's old and new value."""

_REGISTER_FIELDS = ("real_name", "display_name", "id_number", "phone", "skills")


def registered_event(before: Volunteer | None, after: Volunteer, *, actor: str, at: datetime) -> Event:
    """``people.volunteer.registered.v1``: the entry's changed fields, old and new (real name, ID number and phone are
    personal: the audit trail keeps them erasable)."""

    def value(volunteer: Volunteer | None, name: str) -> object:
        found = getattr(volunteer, name) if volunteer is not None else None
        return list(found) if isinstance(found, tuple) else found

    changes = {
        name: {"old": value(before, name), "new": value(after, name)}
        for name in _REGISTER_FIELDS
        if before is None or value(before, name) != value(after, name)
    }
    subject = volunteer_record_id(after.id)
    data = {"volunteer_id": subject, "community_id": after.community_id, "person": after.person, "actor": actor, "changes": changes}
    return new_event(VOLUNTEER_REGISTERED, service="people", community=after.community_id, subject=subject, time=at, data=data)


def volunteer_record_id(entry_id: str) -> str:
    """A register entry's id in events and the audit trail: a digest of its id (which holds the person's account, and
    the trail's record ids are not personal values it can erase)."""
    return "volunteer-" + hashlib.sha256(entry_id.encode()).hexdigest()[:24]
