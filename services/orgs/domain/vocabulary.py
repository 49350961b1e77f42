"""The orgs service's vocabulary: kinds, purposes, fields, statuses, stages and support."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ActivityField", "FilingStatus", "OrganizationKind", "Purpose", "Stage", "SupportKind"]


class OrganizationKind(StrEnum):
    """Who the organization is."""

    SOCIAL_ORGANIZATION = "social_organization"  # 社区社会组织
    UNIT = "unit"  # 辖区单位: school, firm, hospital, barracks
    PARTNER_ORGANIZATION = "partner_organization"  # outside NGO, may serve several communities


class Purpose(StrEnum):
    """Whom it exists for."""

    PUBLIC_WELFARE = "public_welfare"  # 公益类
    SELF_BENEFIT = "self_benefit"  # 自益类, e.g. a choir
    MUTUAL_BENEFIT = "mutual_benefit"  # 互益类


class ActivityField(StrEnum):
    """Fields of activity."""

    CULTURE_SPORTS = "culture_sports"
    VOLUNTEER_SERVICE = "volunteer_service"
    ELDERLY_CARE = "elderly_care"
    CHILDREN = "children"
    EDUCATION = "education"
    ENVIRONMENT = "environment"
    SAFETY = "safety"
    MEDIATION = "mediation"
    HEALTH = "health"
    EPIDEMIC_PREVENTION = "epidemic_prevention"
    MILITARY_CIVILIAN = "military_civilian"
    DISABILITY = "disability"
    OTHER = "other"


class FilingStatus(StrEnum):
    """Filing status (备案) of the organization."""

    FILED = "filed"  # 备案: recorded with the street office
    ACTIVE = "active"
    DORMANT = "dormant"
    DISSOLVED = "dissolved"


class Stage(StrEnum):
    """The six stages of the development path the community planned and followed."""

    NEEDS_ASSESSMENT = "needs_assessment"  # make yourself known and set up needs assessment
    SERVICE_ACTIVITIES = "service_activities"  # 服务活动化
    ACTIVITY_PROJECTS = "activity_projects"  # 活动项目化
    PROJECT_ORGANIZATION = "project_organization"  # 项目组织化
    PUBLIC_WELFARE_ORGANIZATION = "public_welfare_organization"  # 组织公益化
    SOCIALIZED_PUBLIC_WELFARE = "socialized_public_welfare"  # 公益社会化

    @property
    def rank(self) -> int:
        """1 for the first stage, 6 for the last."""
        return list(Stage).index(self) + 1


class SupportKind(StrEnum):
    """Support the community gives an organization."""

    FUNDS = "funds"
    VENUE = "venue"
    TRAINING = "training"
    PUBLICITY = "publicity"
    OUTSIDE_TEACHER = "outside_teacher"
    STUDY_VISIT = "study_visit"
    PLATFORM = "platform"
