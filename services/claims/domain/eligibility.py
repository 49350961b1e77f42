"""What the claims service knows of items and organizations (read models), and who may claim.

Both are kept from events (``needs.item.*``, ``orgs.org.*``), so that claiming never needs a
synchronous call. Each eligibility failure has its own code, so a claimant learns exactly why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from services.claims.domain.budget import BudgetLine, totals
from services.common.domain import Invalid
from services.common.vocabulary import ClaimantKind

__all__ = ["ItemBoard", "OrganizationCard", "Reservation", "check_agenda", "check_eligibility", "check_request"]

PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class Reservation:
    """A slot (and its budget) held for an approved claim."""

    claim_id: str
    budget: dict[str, int]
    at: datetime


@dataclass(frozen=True, slots=True)
class ItemBoard:
    """A published service item as the claims service sees it: window, slots, budget, reservations."""

    item_id: str
    community_id: str
    title: str
    status: str
    eligible_kinds: frozenset[ClaimantKind]
    opens_at: datetime
    closes_at: datetime
    slots: int
    budget: tuple[BudgetLine, ...]
    reservations: tuple[Reservation, ...] = ()

    @property
    def budget_by_key(self) -> dict[str, int]:
        """Fen per source key."""
        return totals(self.budget)

    @property
    def slots_left(self) -> int:
        """Claims that may still be approved."""
        return max(self.slots - len(self.reservations), 0)

    def committed(self, key: str) -> int:
        """Fen already approved from one source."""
        return sum(reservation.budget.get(key, 0) for reservation in self.reservations)

    def window_open(self, at: datetime) -> bool:
        """Claims are taken now."""
        return self.opens_at <= at < self.closes_at


@dataclass(frozen=True, slots=True)
class OrganizationCard:
    """An organization as the claims service sees it (from ``orgs.org.*`` snapshots)."""

    organization_id: str
    community_id: str
    served_community_ids: tuple[str, ...]
    kind: ClaimantKind
    status: str
    name: str
    accounts_linked: bool = False
    acting_accounts: frozenset[str] = frozenset()
    member_accounts: frozenset[str] = frozenset()


def check_eligibility(board: ItemBoard, kind: ClaimantKind, organization: OrganizationCard | None, *, at: datetime) -> None:
    """Raise :class:`Invalid` with a specific code for the first rule the claim breaks."""
    if board.status != PUBLISHED:
        raise Invalid(f"the item is {board.status}, not open for claiming", field="itemId", code="ITEM_NOT_PUBLISHED")
    if not board.window_open(at):
        when = "has not opened yet" if at < board.opens_at else "has closed"
        raise Invalid(f"the claim window {when}", field="itemId", code="CLAIM_WINDOW_CLOSED")
    if kind not in board.eligible_kinds:
        raise Invalid(f"this item cannot be claimed by a {kind.value}", field="organizationId", code="CLAIMANT_KIND_NOT_ALLOWED")
    if organization is None:
        return
    if organization.status != "active":
        raise Invalid(f"the organization is {organization.status}, not active", field="organizationId", code="ORGANIZATION_NOT_ACTIVE")
    if board.community_id not in organization.served_community_ids:
        raise Invalid(
            "the organization does not belong to (or serve) the item's community",
            field="organizationId",
            code="ORGANIZATION_NOT_OF_COMMUNITY",
        )


def check_agenda(
    agenda: Sequence[str], boards: Mapping[str, ItemBoard], *, community_id: str, with_open_claims: Set[str], kept: Set[str] = frozenset()
) -> None:
    """An intention meeting discusses items open for claiming, or items with claims still to decide.

    Unpublished, cancelled and filled items (with no open claim) are refused with
    ``AGENDA_ITEM_NOT_OPEN``; ``kept`` items (already decided at this meeting) stay regardless.
    """
    for index, item_id in enumerate(agenda):
        board = boards.get(item_id)
        if board is None or board.community_id != community_id:
            raise Invalid(
                "no such published item in this community (a draft is not open for claiming)",
                field=f"agenda.{index}",
                code="AGENDA_ITEM_NOT_OPEN",
            )
        if item_id in kept or board.status == PUBLISHED or item_id in with_open_claims:
            continue
        raise Invalid(
            f"the item is {board.status.replace('_', ' ')} with no claim to decide: it cannot go on an agenda",
            field=f"agenda.{index}",
            code="AGENDA_ITEM_NOT_OPEN",
        )


def check_request(board: ItemBoard, request: tuple[BudgetLine, ...]) -> None:
    """The requested budget: only the item's sources, never above the item's amount per source."""
    available = board.budget_by_key
    for index, line in enumerate(request):
        if line.key not in available:
            raise Invalid("the item has no budget from this source", field=f"proposal.budget.{index}.fundSource", code="BUDGET_ABOVE_ITEM")
        if line.amount_fen > available[line.key]:
            raise Invalid(
                f"more than the item's {available[line.key]} fen from this source",
                field=f"proposal.budget.{index}.amountFen",
                code="BUDGET_ABOVE_ITEM",
            )
