"""Who may do what in the claims service: pure rules over the caller's principal."""

from __future__ import annotations

from services.claims.domain.claim import Claim
from services.claims.domain.eligibility import OrganizationCard
from services.common.access import is_staff, require_staff
from services.common.domain import Forbidden
from services.common.identity import Principal, Role

__all__ = [
    "ORGANIZATION_ROLES",
    "can_see_claim",
    "is_claimant",
    "is_party_to",
    "is_staff",
    "names_claimant",
    "require_claimant",
    "require_rater",
    "require_staff",
    "speaks_for",
]

ORGANIZATION_ROLES = (Role.ORG_LEADER, Role.PARTNER)


def speaks_for(principal: Principal, organization_id: str, card: OrganizationCard | None) -> bool:
    """The one rule for who acts for an organization in the claims service, from claiming to completion.

    An organization's leader (``org_leader``) or a partner NGO (``partner``) whose token names it;
    once the organization links its people's accounts (or handed its leadership over), the
    holder must also be its current leader or in its management group, as the orgs service last
    announced (the organization card). Without a card, the token alone is not enough.
    """
    if not (principal.has_role(*ORGANIZATION_ROLES) and principal.organization == organization_id) or card is None:
        return False
    return principal.subject in card.acting_accounts if card.accounts_linked else True


def names_claimant(principal: Principal, claim: Claim) -> bool:
    """The caller's token names the claimant (the resident, or the organization): enough to see the claim."""
    if claim.claimant.organization_id is None:
        return principal.subject == claim.claimant.subject
    return principal.has_role(*ORGANIZATION_ROLES) and principal.organization == claim.claimant.organization_id


def is_claimant(principal: Principal, claim: Claim, card: OrganizationCard | None) -> bool:
    """The resident who claimed, or whoever acts for the claiming organization now (:func:`speaks_for`)."""
    if claim.claimant.organization_id is None:
        return principal.subject == claim.claimant.subject
    return speaks_for(principal, claim.claimant.organization_id, card)


def is_party_to(principal: Principal, claim: Claim, card: OrganizationCard | None) -> bool:
    """The claimant, anyone whose token names it, or a member of the claiming organization (no rating one's own work)."""
    if principal.subject == claim.claimant.subject or names_claimant(principal, claim):
        return True
    return card is not None and principal.subject in card.member_accounts


def can_see_claim(principal: Principal, claim: Claim, district_id: str | None) -> bool:
    """Anyone of the community sees its claims (and the claimant, wherever it comes from)."""
    return principal.belongs_to(claim.community_id, district_id) or names_claimant(principal, claim)


def require_claimant(principal: Principal, claim: Claim, district_id: str | None, card: OrganizationCard | None) -> None:
    """The claimant reports; staff may act for it."""
    if not (is_claimant(principal, claim, card) or is_staff(principal, claim.community_id, district_id)):
        raise Forbidden("only the claimant (or the community's staff) may do this", field="claimId")


def require_rater(principal: Principal, claim: Claim, card: OrganizationCard | None) -> None:
    """Residents of the community rate the work that served them, but never the claimant or its members their own."""
    if not (principal.has_role(Role.RESIDENT) and claim.community_id in principal.communities):
        raise Forbidden("only residents of the community rate its projects", field="claimId")
    if is_party_to(principal, claim, card):
        raise Forbidden("the claimant and its members do not rate their own work", field="claimId")
