"""A needs list's ``totalCount`` from the statistics counters when its filter is expressible by them.

A district-wide list (500 communities, 100 000 needs) filtered by status and/or category would
otherwise count every matching need on every request (``count_documents`` is O(matching) on
MongoDB as in ``memory://``). The counters (:mod:`services.needs.tallies`, per community and day,
each need counted once with its current status and category) answer the same number for those
filters in O(communities × days); any other filter (text, target groups, submitter, supporter)
is counted over the needs as before. Read only through :meth:`NeedsStore.need_counts`.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.needs.store import NeedQuery, NeedsStore

__all__ = ["count_needs", "counted_from_tallies", "expressible"]


def counted_from_tallies(query: NeedQuery, counts: Mapping[str, Mapping[str, Mapping[str, int]]]) -> int:
    """How many needs match ``query`` (statuses and categories only), summed from per-community counts."""
    statuses = [status.value for status in query.statuses]
    categories = [category.value for category in query.categories]
    total = 0
    for community_id in set(query.community_ids):
        community = counts.get(community_id, {})
        if statuses and categories:
            pairs = community.get("category_status", {})
            total += sum(pairs.get(f"{category}/{status}", 0) for category in categories for status in statuses)
        elif categories:
            total += sum(community.get("category", {}).get(category, 0) for category in categories)
        else:
            by_status = community.get("status", {})
            total += sum(by_status.get(status, 0) for status in statuses) if statuses else sum(by_status.values())
    return total


def expressible(query: NeedQuery) -> bool:
    """Whether the counters can answer this filter (communities, statuses, categories; nothing else)."""
    return not (query.text or query.target_groups or query.submitter_id is not None or query.supporter_id is not None)


async def count_needs(store: NeedsStore, query: NeedQuery) -> int:
    """``totalCount`` of a needs list: from the counters when they can say, else counted over the needs."""
    if not query.community_ids:
        return 0
    if not expressible(query):
        return await store.count_needs(query)
    return counted_from_tallies(query, await store.need_counts(query.community_ids))
