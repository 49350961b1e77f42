"""GraphQL enums of the orgs subgraph, made from the domain's vocabulary."""

from __future__ import annotations

from enum import Enum

import strawberry

from services.orgs.domain import ActivityField, FilingStatus, OrganizationKind, Purpose, Stage, SupportKind

__all__ = ["ActivityField", "FilingStatus", "OrganizationKind", "Purpose", "Stage", "StatusAction", "SupportKind"]

strawberry.enum(
    OrganizationKind,
    description="SOCIAL_ORGANIZATION 社区社会组织, UNIT 辖区单位 (school, firm, hospital, barracks), PARTNER_ORGANIZATION outside NGO.",
)
strawberry.enum(Purpose, description="PUBLIC_WELFARE 公益类, SELF_BENEFIT 自益类 (e.g. a choir), MUTUAL_BENEFIT 互益类.")
strawberry.enum(ActivityField, description="Fields of activity of an organization.")
strawberry.enum(FilingStatus, description="Filing status: FILED 备案, ACTIVE, DORMANT, DISSOLVED.")
strawberry.enum(
    Stage,
    description="Development path: NEEDS_ASSESSMENT (make yourself known, needs assessment) → SERVICE_ACTIVITIES 服务活动化 → "
    "ACTIVITY_PROJECTS 活动项目化 → PROJECT_ORGANIZATION 项目组织化 → PUBLIC_WELFARE_ORGANIZATION 组织公益化 → "
    "SOCIALIZED_PUBLIC_WELFARE 公益社会化.",
)
strawberry.enum(
    SupportKind,
    name="OrganizationSupportKind",
    description="Support given to an organization (组织支持): funds, venue, training, publicity, outside teacher, study visit, platform.",
)


@strawberry.enum(description="A change of filing status.")
class StatusAction(Enum):
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    DISSOLVE = "dissolve"
