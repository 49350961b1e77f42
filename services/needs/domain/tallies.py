"""Need statistics as counters (pure): what a need or an item adds, and how each of their events moves it.

A need counts on the day it was created: one per category/status (by status and by category are its sums); an
item's budget counts as planned (per category/fund source) on the day it was created, while it is
neither a draft nor cancelled. :func:`need_counters` and :func:`item_counters` say what one record
adds (a rebuild sums them); :func:`moves` says how one event moves the counters, from the facts
the event carries (the need's category, creation day, status and previous status; the item's
budget, category and creation day), so that the moves of a record's events add up to what it adds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.common.domain import local_date
from services.common.events import Event
from services.common.store.counters import Counters, Move
from services.needs.domain.item import ItemStatus, ServiceItem
from services.needs.domain.need import Need

__all__ = ["NOT_PLANNED", "item_counters", "moves", "need_counters"]

NOT_PLANNED = frozenset({ItemStatus.DRAFT.value, ItemStatus.CANCELLED.value})


def need_counters(need: Need) -> Counters:
    """What one need adds: on its creation day, one to its category/status."""
    return {local_date(need.created_at): _need_counts(need.category.value, need.status.value, 1)}


def item_counters(item: ServiceItem) -> Counters:
    """What one item adds: its budget as planned, per category/fund source, on its creation day (not drafts or cancelled)."""
    if item.status.value in NOT_PLANNED:
        return {}
    lines = [{"fund_source": line.fund_source.value, "amount_fen": line.amount_fen} for line in item.draft.budget]
    return {local_date(item.created_at): _planned(item.draft.category.value, lines, 1)}


def moves(event: Event) -> Move:
    """How one of the needs service's own events moves the counters (empty if it moves none)."""
    data = event.data
    if event.routing_key.startswith("needs.need."):
        return _need_move(event.routing_key, data)
    if event.routing_key.startswith("needs.item."):
        return _item_move(data)
    return {}


def _need_move(routing_key: str, data: Mapping[str, Any]) -> Move:
    day = _day(data, "created_on")
    category, status = str(data.get("category", "")), str(data.get("status", ""))
    if day is None or not category or not status:
        return {}
    if routing_key == "needs.need.submitted.v1":
        return {day: _need_counts(category, status, 1)}
    move: defaultdict[str, float] = defaultdict(int)
    changes = data.get("changes")
    old_category = category
    if isinstance(changes, Mapping) and isinstance(changes.get("category"), Mapping):
        old_category = str(changes["category"].get("old", category))  # a reclassification: old → new category
        category = str(changes["category"].get("new", category))
    previous = str(data.get("previous_status") or status)
    for name, amount in _need_counts(old_category, previous, -1).items():
        move[name] += amount
    for name, amount in _need_counts(category, status, 1).items():
        move[name] += amount
    nonzero = {name: amount for name, amount in move.items() if amount}
    return {day: nonzero} if nonzero else {}


def _item_move(data: Mapping[str, Any]) -> Move:
    day = _day(data, "created_on")
    status, previous = str(data.get("status", "")), data.get("previous_status")
    if day is None or previous is None:
        return {}  # drafted (a draft plans nothing) or an event without the facts
    now, before = status not in NOT_PLANNED, str(previous) not in NOT_PLANNED
    if now == before:
        return {}
    lines = data.get("budget")
    planned = _planned(str(data.get("category", "")), lines if isinstance(lines, list) else [], 1 if now else -1)
    return {day: planned} if planned else {}


def _need_counts(category: str, status: str, sign: int) -> dict[str, float]:
    """One counter per category/status: the counts by status and by category are its sums (read side)."""
    return {f"category_status:{category}/{status}": sign}


def _planned(category: str, lines: list[Any], sign: int) -> dict[str, float]:
    planned: defaultdict[str, float] = defaultdict(int)
    for line in lines:
        planned[f"planned:{category}/{line['fund_source']}"] += sign * int(line["amount_fen"])
    return {name: amount for name, amount in planned.items() if amount}


def _day(data: Mapping[str, Any], name: str) -> date | None:
    value = data.get(name)
    return date.fromisoformat(value) if isinstance(value, str) else None
