"""The pure domain of the orgs service: places, organizations, their growth and statistics."""

from services.orgs.domain.organization import (
    STATUS_MACHINE,
    Organization,
    OrganizationDraft,
    Profile,
    StageChange,
    StatusChange,
    SupportRecord,
    register,
)
from services.orgs.domain.people import Member, MemberDraft, Mentor, Succession
from services.orgs.domain.places import Community, District, Street, register_community, register_district, register_street
from services.orgs.domain.statistics import OrganizationCount, OrganizationFacts, count_as_of, count_per_year
from services.orgs.domain.track_record import TrackRecord
from services.orgs.domain.vocabulary import ActivityField, FilingStatus, OrganizationKind, Purpose, Stage, SupportKind

__all__ = [
    "STATUS_MACHINE",
    "ActivityField",
    "Community",
    "District",
    "FilingStatus",
    "Member",
    "MemberDraft",
    "Mentor",
    "Organization",
    "OrganizationCount",
    "OrganizationDraft",
    "OrganizationFacts",
    "OrganizationKind",
    "Profile",
    "Purpose",
    "Stage",
    "StageChange",
    "StatusChange",
    "Street",
    "Succession",
    "SupportKind",
    "SupportRecord",
    "TrackRecord",
    "count_as_of",
    "count_per_year",
    "register",
    "register_community",
    "register_district",
    "register_street",
]
