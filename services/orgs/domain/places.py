"""District (区) → Street (街道) → Community (社区): registered by district administrators."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from services.common.domain import Invalid
from services.common.events import Event, new_event
from services.common.privacy import RETENTION_SET

__all__ = ["Community", "District", "Street", "register_community", "register_district", "register_street"]

SERVICE = "orgs"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class District:
    """A district running the platform for its communities."""

    id: str
    name: str
    registered_at: datetime
    registered_by: str
    version: int = 0
    retention_days: int | None = None

    def set_retention(self, days: int, *, actor: str, at: datetime) -> tuple[District, list[Event]]:
        """How many days residents' personal data is kept (0: until erased); announced to every service holding it."""
        if not 0 <= days <= 36_500:
            raise Invalid("a retention period is 0 (keep until erased) to 36500 days", field="days")
        if days == self.retention_days:
            return self, []
        data = {"district_id": self.id, "days": days, "previous_days": self.retention_days, "actor": actor}
        event = new_event(RETENTION_SET, service=SERVICE, community=self.id, data=data, subject=self.id, time=at)
        return replace(self, retention_days=days), [event]


@dataclass(frozen=True, slots=True)
class Street:
    """A street (sub-district, 街道) of a district."""

    id: str
    district_id: str
    name: str
    registered_at: datetime
    registered_by: str
    version: int = 0


@dataclass(frozen=True, slots=True)
class Community:
    """A community (社区); every record of the platform belongs to exactly one."""

    id: str
    district_id: str
    street_id: str
    name: str
    address: str
    registered_at: datetime
    registered_by: str
    version: int = 0


def check_id(place_id: str) -> str:
    """Place ids are readable slugs: lower-case letters, digits and dashes, 2–64 long."""
    if not SLUG.match(place_id):
        raise Invalid("an id is 2–64 lower-case letters, digits and dashes, e.g. community-zuoanpuyuan", field="id")
    return place_id


def check_name(name: str) -> str:
    """A non-empty name of at most 60 characters."""
    name = name.strip()
    if not name:
        raise Invalid("the name must not be empty", field="name")
    if len(name) > 60:
        raise Invalid("the name is longer than 60 characters", field="name")
    return name


def register_district(district_id: str, name: str, *, actor: str, at: datetime) -> tuple[District, list[Event]]:
    """A new district."""
    district = District(check_id(district_id), check_name(name), at, actor)
    data = {"district_id": district.id, "name": district.name}
    return district, [
        new_event("orgs.district.registered.v1", service=SERVICE, community=district.id, data=data, subject=district.id, time=at)
    ]


def register_street(street_id: str, district: District, name: str, *, actor: str, at: datetime) -> tuple[Street, list[Event]]:
    """A new street of ``district``."""
    street = Street(check_id(street_id), district.id, check_name(name), at, actor)
    data = {"street_id": street.id, "district_id": district.id, "name": street.name}
    return street, [new_event("orgs.street.registered.v1", service=SERVICE, community=street.id, data=data, subject=street.id, time=at)]


def register_community(
    community_id: str, street: Street, name: str, address: str, *, actor: str, at: datetime
) -> tuple[Community, list[Event]]:
    """A new community of ``street``; announced so that every service learns where it sits."""
    if len(address) > 200:
        raise Invalid("the address is longer than 200 characters", field="address")
    community = Community(check_id(community_id), street.district_id, street.id, check_name(name), address.strip(), at, actor)
    data = {
        "community_id": community.id,
        "name": community.name,
        "street_id": street.id,
        "district_id": street.district_id,
        "address": community.address,
    }
    event = new_event("orgs.community.registered.v1", service=SERVICE, community=community.id, data=data, subject=community.id, time=at)
    return community, [event]
