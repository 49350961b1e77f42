"""How the claims an item has heard of move it on: one pure rule per step, in order.

An item follows its approved claims. A terminated claim no longer counts ("live" claims are
the approved ones not terminated), so every combination of completed and terminated claims
ends somewhere:

* a slot freed while the claim window is still open re-opens the item for claiming
  (``reopen``: claimed → published; also from in progress or completed once no live claim is
  left);
* the item completes when every live claim has completed (so at least one did), and is
  evaluated when every completed live claim is evaluated, which resolves its needs;
* when every approved claim was terminated and the window has closed, the item is
  ``halt``-ed: staff either reopen it with a new claim window or cancel it, which releases
  its needs back to accepted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.needs.domain.vocabulary import ItemStatus

__all__ = ["ClaimOutcomes", "next_step"]

S = ItemStatus
UNDER_WAY = frozenset({S.CLAIMED, S.IN_PROGRESS, S.COMPLETED})


@dataclass(frozen=True, slots=True)
class ClaimOutcomes:
    """The claims of one item by the stages each reached (sets of claim ids)."""

    approved: frozenset[str]
    started: frozenset[str] = frozenset()
    completed: frozenset[str] = frozenset()
    evaluated: frozenset[str] = frozenset()
    terminated: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        approved: Collection[str],
        started: Collection[str] = (),
        completed: Collection[str] = (),
        evaluated: Collection[str] = (),
        terminated: Collection[str] = (),
    ) -> ClaimOutcomes:
        """From the id lists an item keeps."""
        return cls(frozenset(approved), frozenset(started), frozenset(completed), frozenset(evaluated), frozenset(terminated))

    @property
    def live(self) -> frozenset[str]:
        """Approved claims still carrying the work."""
        return self.approved - self.terminated


def next_step(status: ItemStatus, outcomes: ClaimOutcomes, *, slots: int, window_open: bool) -> str | None:
    """The item-machine action the claims justify now, or None when the item stays where it is."""
    live = outcomes.live
    if status is S.PUBLISHED and len(live) >= slots:
        return "fill"
    if status in UNDER_WAY and not live and outcomes.approved:
        return "reopen" if window_open else "halt"
    if status is S.CLAIMED and len(live) < slots and window_open:
        return "reopen"
    if status in (S.PUBLISHED, S.CLAIMED) and outcomes.started & live:
        return "start"
    if status is S.IN_PROGRESS and live and live <= outcomes.completed:
        return "complete"
    done = live & outcomes.completed
    if status is S.COMPLETED and done and done <= outcomes.evaluated:
        return "evaluate"
    return None
