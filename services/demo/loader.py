"""Load the demo: places and organizations through orgs, then needs through the needs service."""

from __future__ import annotations

from services.claims.handlers import ClaimsHandlers
from services.common.domain import Conflict
from services.common.identity import Principal, Role
from services.common.ids import new_id
from services.demo.needs import seed_needs
from services.demo.neighbours import seed_neighbours
from services.demo.organizations import ACTIVE, HOME_ORGANIZATIONS, PARTNER, PARTNER_KIND, DemoOrganization, team
from services.demo.places import COMMUNITIES, DISTRICT, DISTRICT_NAME, HOME, NEIGHBOUR, STREETS
from services.demo.projects import seed_projects, until_place
from services.needs.handlers import NeedsHandlers
from services.orgs.domain import OrganizationDraft, OrganizationKind, Profile
from services.orgs.domain.service_links import ServiceLinkStatus
from services.orgs.handlers import OrgsHandlers

__all__ = ["demo_organization_id", "load_demo"]

ADMIN = Principal("demo-admin", frozenset({Role.DISTRICT_ADMIN}), districts=frozenset({DISTRICT}))


async def load_demo(orgs: OrgsHandlers, needs: NeedsHandlers, claims: ClaimsHandlers | None = None) -> None:
    """Everything, idempotently; the needs and claims services learn places and items from events."""
    await _places(orgs)
    for places in (needs.store.places, *((claims.store.places,) if claims is not None else ())):
        await until_place(places, HOME)
    partner = await _organization(orgs, NEIGHBOUR, PARTNER, "demo-partner", kind=PARTNER_KIND, served=(NEIGHBOUR, HOME))
    await _granted(orgs, partner, HOME)
    for index, demo in enumerate(HOME_ORGANIZATIONS):
        partners = (partner,) if demo[0] == "夕阳天使志愿服务队" else ()
        await _organization(orgs, HOME, demo, f"demo-org-{index}", partners=partners)
    await seed_needs(needs, HOME)
    if claims is not None:
        await seed_projects(needs, claims, HOME, {demo[0]: demo_organization_id(demo[0]) for demo in HOME_ORGANIZATIONS})
    await seed_neighbours(orgs, needs, claims)


def demo_organization_id(name: str) -> str:
    """The id a demo organization of 左安浦园 gets (its idempotency key makes it stable)."""
    index = next(i for i, demo in enumerate(HOME_ORGANIZATIONS) if demo[0] == name)
    return new_id("organization", subject=_staff(HOME).subject, idempotency_key=f"demo-org-{index}")


def _staff(community_id: str) -> Principal:
    return Principal("demo-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({community_id}))


async def _places(orgs: OrgsHandlers) -> None:
    try:
        await orgs.register_district(ADMIN, DISTRICT, DISTRICT_NAME)
    except Conflict:
        return
    for street_id, name in STREETS:
        await orgs.register_street(ADMIN, street_id, DISTRICT, name)
    for community_id, street_id, name, address in COMMUNITIES:
        await orgs.register_community(ADMIN, community_id, street_id, name, address)


async def _granted(orgs: OrgsHandlers, organization_id: str, community_id: str) -> None:
    """The partner's request to serve 左安浦园 is granted by 左安浦园's staff, as any would be (once)."""
    loaded = await orgs.store.organization(organization_id)
    link = loaded[0].service_link(community_id) if loaded else None
    if link is not None and link.status is ServiceLinkStatus.REQUESTED:
        await orgs.answer_service(_staff(community_id), organization_id, community_id, "grant", "")


async def _organization(
    orgs: OrgsHandlers,
    community_id: str,
    demo: DemoOrganization,
    key: str,
    *,
    kind: OrganizationKind = OrganizationKind.SOCIAL_ORGANIZATION,
    served: tuple[str, ...] = (),
    partners: tuple[str, ...] = (),
) -> str:
    name, founded_on, purpose, fields, stage, leader, others, mentors = demo
    staff = _staff(community_id)
    head, members = team(leader, others)
    profile = Profile(name, purpose, fields, mentors=mentors, partner_ids=partners, served_community_ids=served)
    draft = OrganizationDraft(community_id, kind, founded_on, profile, head, members, stage=stage, status=ACTIVE)
    organization = await orgs.register_organization(staff, draft, idempotency_key=key)
    return organization.id
