"""Orgs domain objects for tests, valid unless told otherwise."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from services.orgs.domain import (
    ActivityField,
    FilingStatus,
    MemberDraft,
    Organization,
    OrganizationDraft,
    OrganizationKind,
    Profile,
    Purpose,
    Stage,
    register,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def draft(**changes: Any) -> OrganizationDraft:
    """夕阳天使 of community c1: leader 王 and members 李, 张 in the management group, 赵 not."""
    base = OrganizationDraft(
        community_id="c1",
        kind=OrganizationKind.SOCIAL_ORGANIZATION,
        founded_on=date(2010, 5, 1),
        profile=Profile("夕阳天使志愿服务队", Purpose.PUBLIC_WELFARE, (ActivityField.VOLUNTEER_SERVICE,)),
        leader=MemberDraft("王阿姨", "13800000001", in_management_group=True),
        members=(MemberDraft("李叔", in_management_group=True), MemberDraft("张姐", in_management_group=True), MemberDraft("赵大爷")),
    )
    return replace(base, **changes)


def organization(status: FilingStatus = FilingStatus.FILED, stage: Stage = Stage.NEEDS_ASSESSMENT, **changes: Any) -> Organization:
    """A registered organization with member ids m1 (leader), m2, m3, m4."""
    counter = itertools.count(1)
    registered, _ = register(draft(**changes), organization_id="o1", new_member_id=lambda: f"m{next(counter)}", actor="staff", at=NOW)
    return replace(registered, status=status, stage=stage)
