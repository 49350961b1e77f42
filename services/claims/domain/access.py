"""Who may do what in the claims service: pure rules over the caller's principal."""

from __future__ import annotations

from services.claims.domain.claim import Claim
from services.common.access import is_staff, require_staff
from services.common.domain import Forbidden
from services.common.identity import Principal, Role

__all__ = [
    "ORGANIZATION_ROLES",
    "can_see_claim",
    "is_claimant",
    "is_staff",
    "require_claimant",
    "require_resident",
    "require_staff",
    "speaks_for",
]

ORGANIZATION_ROLES = (Role.ORG_LEADER, Role.PARTNER)


def speaks_for(principal: Principal, organization_id: str) -> bool:
    """The one rule for who acts for an organization in the claims service, from claiming to completion.

    An organization's leader (``org_leader``) or a partner NGO (``partner``) whose token names it.
    """
    return principal.has_role(*ORGANIZATION_ROLES) and principal.organization == organization_id


def is_claimant(principal: Principal, claim: Claim) -> bool:
    """The resident who claimed, or whoever speaks for the claiming organization (:func:`speaks_for`)."""
    if claim.claimant.organization_id is None:
        return principal.subject == claim.claimant.subject
    return speaks_for(principal, claim.claimant.organization_id)


def can_see_claim(principal: Principal, claim: Claim, district_id: str | None) -> bool:
    """Anyone of the community sees its claims (and the claimant, wherever it comes from)."""
    return principal.belongs_to(claim.community_id, district_id) or is_claimant(principal, claim)


def require_claimant(principal: Principal, claim: Claim, district_id: str | None) -> None:
    """The claimant reports; staff may act for it."""
    if not (is_claimant(principal, claim) or is_staff(principal, claim.community_id, district_id)):
        raise Forbidden("only the claimant (or the community's staff) may do this", field="claimId")


def require_resident(principal: Principal, community_id: str) -> None:
    """Residents of the community rate the work that served them."""
    if not (principal.has_role(Role.RESIDENT) and community_id in principal.communities):
        raise Forbidden("only residents of the community rate its projects", field="claimId")
