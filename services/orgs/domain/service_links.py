"""Service links: an organization serving a community other than its home, granted by that community.

An organization is always of (and serves) its home community. Serving another one is never
declared by the organization's side: its side *requests* it, and the community reached grants
it — its staff, or a district administrator over both communities — or declines it. Either side
may end a link later. Only granted links count as served: for directories, visibility, and the
claims service's eligibility (every ``orgs.org.*`` snapshot lists only home + granted).

A link moves through one table: requested → granted | declined; requested | granted → ended;
declined | ended → requested again.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.common.domain import Invalid, StateMachine

__all__ = [
    "LINK_MACHINE",
    "ServiceLink",
    "ServiceLinkStatus",
    "check_reachable",
    "granted_ids",
    "planned_links",
    "requested_ids",
]


class ServiceLinkStatus(StrEnum):
    """Where a request to serve a community stands."""

    REQUESTED = "requested"
    GRANTED = "granted"
    DECLINED = "declined"
    ENDED = "ended"


L = ServiceLinkStatus
LINK_MACHINE: StateMachine[ServiceLinkStatus] = StateMachine(
    "service link",
    {
        "request": {L.DECLINED: L.REQUESTED, L.ENDED: L.REQUESTED},
        "grant": {L.REQUESTED: L.GRANTED},
        "decline": {L.REQUESTED: L.DECLINED},
        "end": {L.REQUESTED: L.ENDED, L.GRANTED: L.ENDED},
    },
)


@dataclass(frozen=True, slots=True)
class ServiceLink:
    """One community (not the home one) the organization asked to serve, and what became of it."""

    community_id: str
    status: ServiceLinkStatus
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""

    @property
    def open(self) -> bool:
        """Requested or granted: the organization still wants to serve the community."""
        return self.status in (L.REQUESTED, L.GRANTED)

    def moved(self, action: str, *, actor: str, at: datetime, reason: str = "") -> ServiceLink:
        """The link after ``action`` (raises TransitionNotAllowed from the wrong status)."""
        status = LINK_MACHINE.target(self.status, action)
        if action == "request":
            return ServiceLink(self.community_id, status, actor, at)
        return replace(self, status=status, decided_by=actor, decided_at=at, reason=reason.strip())


def granted_ids(links: Iterable[ServiceLink]) -> tuple[str, ...]:
    """Communities whose link is granted."""
    return tuple(link.community_id for link in links if link.status is L.GRANTED)


def requested_ids(links: Iterable[ServiceLink]) -> tuple[str, ...]:
    """Communities asked and not yet answered."""
    return tuple(link.community_id for link in links if link.status is L.REQUESTED)


def planned_links(
    links: tuple[ServiceLink, ...], wanted: Iterable[str], *, home: str, grantable: Set[str], actor: str, at: datetime
) -> tuple[tuple[ServiceLink, ...], list[tuple[str, ServiceLink]]]:
    """The links after the organization's side says which communities it wants to serve (its profile's list).

    A community newly wanted is requested — granted at once if it is in ``grantable`` (the caller
    may grant it); one no longer wanted is ended. Returns the links and the ``(action, link)``
    moves made, in order.
    """
    wanted_ids = tuple(dict.fromkeys(cid for cid in wanted if cid != home))
    by_community = {link.community_id: link for link in links}
    moves: list[tuple[str, ServiceLink]] = []
    for community_id, current in by_community.items():
        if current.open and community_id not in wanted_ids:
            by_community[community_id] = ended = current.moved("end", actor=actor, at=at, reason="no longer in the profile")
            moves.append(("end", ended))
    for community_id in wanted_ids:
        known = by_community.get(community_id)
        if known is not None and known.open:
            continue
        requested = known.moved("request", actor=actor, at=at) if known else ServiceLink(community_id, L.REQUESTED, actor, at)
        moves.append(("request", requested))
        if community_id in grantable:
            requested = requested.moved("grant", actor=actor, at=at)
            moves.append(("grant", requested))
        by_community[community_id] = requested
    return tuple(by_community.values()), moves


def check_reachable(community_id: str, *, home: str, field: str = "communityId") -> None:
    """The home community is always served; a link is about another one."""
    if community_id == home:
        raise Invalid("the home community is always served", field=field)
