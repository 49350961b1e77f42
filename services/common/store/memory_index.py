"""Hash indexes for the ``memory://`` stand-in, so that it stays usable at district scale.

mongomock answers every query by testing every document of the collection. With 100 000 needs
that is a tenth of a second per lookup by id. This module gives each collection what MongoDB's
indexes give it, as far as our queries need: the fields of the declared indexes (and ``_id``)
are kept in hash maps from value to document ids, and a query narrows its candidates with them
before mongomock's own matcher decides. The narrowing is only ever a superset of the matches
(documents whose values cannot be indexed always stay candidates), so answers do not change.

mongomock updates documents in place; the collection wrapper reports every document a write
touched (:meth:`IndexedStore.writing`), and those are indexed again when the write ends.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from mongomock import helpers
from mongomock.filtering import filter_applies
from mongomock.store import CollectionStore

__all__ = ["MISSING", "IndexedStore", "Plan", "Tally", "count", "indexed", "matches", "sorted_ids"]

_SCALARS = (str, int, float, bool, datetime)
_MISSING = object()
MISSING = ("missing",)
"""A field absent from a document, in a :class:`Tally` key."""
_UNHASHABLE = ("unhashable",)


class _FieldIndex:
    """value → ids of one (dotted) field; arrays are indexed per element, as MongoDB's multikey indexes are."""

    def __init__(self, path: str) -> None:
        self.parts = path.split(".")
        self.by_value: dict[Any, set[Any]] = {}
        self.present: set[Any] = set()
        self.unindexable: set[Any] = set()
        self.keys_of: dict[Any, tuple[Any, ...] | None] = {}
        self.ordered: dict[str, list[Any]] = {}  # the distinct values of each orderable kind, sorted, for range conditions
        self.instants: dict[datetime, set[datetime]] = {}  # a date's UTC instant (naive) → the stored dates that are it

    def add(self, doc_id: Any, document: Mapping[str, Any]) -> None:
        values = _values(document, self.parts)
        keys = None if values is None else tuple(values)
        self.keys_of[doc_id] = keys
        if keys is None:
            self.unindexable.add(doc_id)
            return
        if keys:
            self.present.add(doc_id)
        for key in keys:
            ids = self.by_value.get(key)
            if ids is None:
                ids = self.by_value[key] = set()
                self._order(key)
            ids.add(doc_id)

    def remove(self, doc_id: Any) -> None:
        keys = self.keys_of.pop(doc_id, ())
        self.unindexable.discard(doc_id)
        self.present.discard(doc_id)
        for key in keys or ():
            ids = self.by_value.get(key)
            if ids is not None:
                ids.discard(doc_id)
                if not ids:
                    del self.by_value[key]
                    self._unorder(key)

    def _order(self, key: Any) -> None:
        """A new distinct value: into its kind's sorted list (a date once per instant, however many offsets name it)."""
        kind, sortable = _sortable(key)
        if kind is None:
            return
        if kind == "date":
            same = self.instants.setdefault(sortable, set())
            same.add(key)
            if len(same) > 1:
                return
        bisect.insort(self.ordered.setdefault(kind, []), sortable)

    def _unorder(self, key: Any) -> None:
        """A value no document has any more: out of its kind's sorted list (a date once no stored date is its instant)."""
        kind, sortable = _sortable(key)
        if kind is None:
            return
        if kind == "date":
            same = self.instants[sortable]
            same.discard(key)
            if same:
                return
            del self.instants[sortable]
        ordered = self.ordered[kind]
        del ordered[bisect.bisect_left(ordered, sortable)]

    def equal_to(self, values: list[Any]) -> set[Any]:
        found = set(self.unindexable)
        for value in values:
            found |= self.by_value.get(value, set())
        return found

    def existing(self) -> set[Any]:
        return self.present | self.unindexable

    def in_range(self, bounds: Mapping[str, Any], kind: str) -> set[Any]:
        """Documents with a value of ``kind`` within ``$gt``/``$gte``/``$lt``/``$lte`` bounds of that kind (MongoDB compares
        numbers only with numbers and dates only with dates)."""
        if kind == "date":
            bounds = {operator: _instant(bound) for operator, bound in bounds.items()}
        values = self.ordered.get(kind, [])
        low, high = 0, len(values)
        if "$gt" in bounds:
            low = bisect.bisect_right(values, bounds["$gt"])
        if "$gte" in bounds:
            low = max(low, bisect.bisect_left(values, bounds["$gte"]))
        if "$lt" in bounds:
            high = bisect.bisect_left(values, bounds["$lt"])
        if "$lte" in bounds:
            high = min(high, bisect.bisect_right(values, bounds["$lte"]))
        found = set(self.unindexable)
        for value in values[low:high]:
            for key in self.instants[value] if kind == "date" else (value,):
                found |= self.by_value[key]
        return found


_FEW = 64
"""Candidates few enough to test every remaining condition on rather than narrow further (an ``$or`` of big sets costs more)."""


def _costly(filter: Mapping[str, Any]) -> bool:
    """Conditions with an ``$or`` (unions of whole buckets) are planned last."""
    return any(key == "$or" or (isinstance(value, list) and key == "$and") for key, value in filter.items())


def _cheap_first(conditions: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return sorted(conditions, key=lambda condition: condition[0] in ("$or", "$and"))


def _kind(value: Any) -> str | None:
    """Which of the index's sorted lists ``value`` belongs to: numbers, or dates (MongoDB compares each only with its kind)."""
    if type(value) is int or type(value) is float:
        return "number"
    if type(value) is datetime:
        return "date"
    return None


def _sortable(value: Any) -> tuple[str | None, Any]:
    """``value``'s kind and what it is sorted by in that kind's list (a date: its UTC instant)."""
    kind = _kind(value)
    return kind, _instant(value) if kind == "date" else value


def _instant(value: datetime) -> datetime:
    """A date as the instant BSON stores: naive UTC (a naive date is taken as UTC already)."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})


def _values(document: Any, parts: list[str]) -> list[Any] | None:
    """The scalars at ``parts`` (descending into arrays); None when something there cannot be hashed safely."""
    current: list[Any] = [document]
    for part in parts:
        following: list[Any] = []
        for value in current:
            value_items = value if isinstance(value, list) else [value]
            for item in value_items:
                if isinstance(item, Mapping):
                    found = item.get(part, _MISSING)
                    if found is not _MISSING:
                        following.append(found)
                elif isinstance(item, list):
                    return None
        current = following
    scalars: list[Any] = []
    for value in current:
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, _SCALARS):
                scalars.append(item)
            else:
                return None
    return scalars


@dataclass(frozen=True, slots=True)
class Plan:
    """Candidate ids in insertion order; the part of the filter still to test (one key may be answered by
    the index already); and the candidates whose values could not be indexed, tested against the whole filter."""

    ids: list[Any]
    residual: Mapping[str, Any]
    unsure: set[Any]


class Tally:
    """Documents counted by the values of some top-level fields (a ``$group`` key), kept up to date on every write."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.counts: Counter[tuple[Any, ...]] = Counter()
        self.key_of: dict[Any, tuple[Any, ...]] = {}
        self.unhashable = 0

    def add(self, doc_id: Any, document: Mapping[str, Any]) -> None:
        key = tuple(document.get(name, MISSING) for name in self.names)
        try:
            hash(key)
        except TypeError:
            key = _UNHASHABLE
            self.unhashable += 1
        self.key_of[doc_id] = key
        self.counts[key] += 1

    def remove(self, doc_id: Any) -> None:
        key = self.key_of.pop(doc_id, None)
        if key is None:
            return
        if key is _UNHASHABLE:
            self.unhashable -= 1
        self.counts[key] -= 1
        if not self.counts[key]:
            del self.counts[key]


class IndexedStore(CollectionStore):
    """mongomock's collection store, keeping hash indexes of the declared fields up to date."""

    fields: dict[str, _FieldIndex]
    tallies: dict[tuple[str, ...], Tally]
    order: dict[Any, int]
    touched: set[Any] | None
    counter: int

    def setup(self) -> None:
        """Start indexing (called once, when a collection is first wrapped)."""
        self.fields = {}
        self.tallies = {}
        self.order = {}
        self.touched = None
        self.counter = 0
        for doc_id in list(self._documents):
            self._note_order(doc_id)

    def index_field(self, path: str) -> None:
        """Keep ``path`` indexed from now on (idempotent)."""
        if path == "_id" or path in self.fields:
            return
        index = _FieldIndex(path)
        for doc_id, document in self._documents.items():
            index.add(doc_id, document)
        self.fields[path] = index

    def tally(self, names: tuple[str, ...]) -> Tally:
        """Documents counted by ``names``; counted once now, then kept up to date by every write."""
        tally = self.tallies.get(names)
        if tally is None:
            tally = self.tallies[names] = Tally(names)
            for doc_id, document in self._documents.items():
                tally.add(doc_id, document)
        return tally

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if self.touched is not None:
            self.touched.add(key)
        if key not in self.order:
            self._note_order(key)
        self._reindex(key, value)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        if self.touched is not None:
            self.touched.add(key)
        self.order.pop(key, None)
        for index in self.fields.values():
            index.remove(key)
        for tally in self.tallies.values():
            tally.remove(key)

    def drop(self) -> None:
        """Forget every document and index."""
        super().drop()
        self.setup()

    @contextlib.contextmanager
    def writing(self) -> Iterator[set[Any]]:
        """Around a write: the documents it matched are indexed again afterwards (mongomock updates in place).

        Yields the ids it touched (matched, stored or deleted), for the journal once the write ends.
        """
        self.touched = set()
        try:
            yield self.touched
        finally:
            touched, self.touched = self.touched, None
            for doc_id in touched:
                document = self._documents.get(doc_id)
                if document is not None:
                    self._reindex(doc_id, document)

    def plan(self, filter: Mapping[str, Any], *, ordered: bool = True) -> Plan | None:
        """A superset of the documents ``filter`` matches (in insertion order unless not ``ordered``), and what is left
        to check; None: look at all.

        Every top-level condition the indexes answer narrows the candidates (they are intersected);
        conditions answered exactly (string equality or ``$in``) leave the filter that is still tested.
        """
        options: list[tuple[str, set[Any], bool, set[Any]]] = []
        for key, condition in _cheap_first(filter.items()):
            if options and min(len(ids) for _, ids, _, _ in options) <= _FEW:
                break  # few candidates already: the conditions left are tested on them (they stay in the residual)
            option = self._plan_condition(key, condition)
            if option is not None:
                options.append((key, *option))
        if not options:
            return None
        options.sort(key=lambda option: len(option[1]))  # intersect from the smallest
        candidates: set[Any] = set(options[0][1])
        exact_keys: set[str] = set()
        unsure: set[Any] = set()
        for key, ids, exact, option_unsure in options:
            if ids is not options[0][1]:
                candidates &= ids
            if exact:
                exact_keys.add(key)
            unsure |= option_unsure
        present = list(candidates)  # the indexes change with the documents: every candidate is stored
        if ordered:
            present.sort(key=self.order.__getitem__)
        residual = {key: value for key, value in filter.items() if key not in exact_keys} if exact_keys else filter
        return Plan(present, residual, unsure)

    def _candidates(self, filter: Mapping[str, Any]) -> set[Any] | None:
        planned = self.plan(filter, ordered=False)
        return None if planned is None else set(planned.ids)

    def _plan_condition(self, key: str, condition: Any) -> tuple[set[Any], bool, set[Any]] | None:
        if key == "$and" and isinstance(condition, list):
            narrowest: set[Any] | None = None
            for part in sorted((part for part in condition if isinstance(part, Mapping)), key=_costly):
                if narrowest is not None and len(narrowest) <= _FEW:
                    break  # the rest of the $and is tested on these few (an $and is never answered exactly)
                found = self._candidates(part)
                if found is not None:
                    narrowest = found if narrowest is None else narrowest & found
            return None if narrowest is None else (narrowest, False, set())
        if key == "$or" and isinstance(condition, list):
            branches = [self.plan(part, ordered=False) if isinstance(part, Mapping) else None for part in condition]
            if not branches or any(branch is None for branch in branches):
                return None  # a branch the indexes cannot narrow may match anything
            planned = [branch for branch in branches if branch is not None]
            exact = all(not branch.residual and not branch.unsure for branch in planned)  # each branch answered by the indexes
            return set().union(*(branch.ids for branch in planned)), exact, set().union(*(branch.unsure for branch in planned))
        return self._plan_field(key, condition)

    def _plan_field(self, key: str, condition: Any) -> tuple[set[Any], bool, set[Any]] | None:
        """Candidates for one condition; exact when the candidates (but ``unsure``) certainly satisfy it."""
        values = _equality_values(condition)
        exact = values is not None and all(type(value) is str for value in values)
        if key == "_id":
            if values is None:
                return None
            return {value for value in values if value in self._documents}, exact, set()
        index = self.fields.get(key)
        if index is None:
            return None
        if isinstance(condition, Mapping) and set(condition) == {"$exists"} and condition["$exists"] is True:
            return index.existing(), False, set()
        if isinstance(condition, Mapping) and condition and set(condition) <= _RANGE:
            kinds = {_kind(bound) for bound in condition.values()}
            if len(kinds) == 1 and None not in kinds:
                return index.in_range(condition, kinds.pop() or ""), False, set()
        if values is None:
            return None
        return index.equal_to(values), exact, index.unindexable

    def _note_order(self, doc_id: Any) -> None:
        self.counter += 1
        self.order[doc_id] = self.counter

    def _reindex(self, doc_id: Any, document: Mapping[str, Any]) -> None:
        for index in self.fields.values():
            index.remove(doc_id)
            index.add(doc_id, document)
        for tally in self.tallies.values():
            tally.remove(doc_id)
            tally.add(doc_id, document)


def _equality_values(condition: Any) -> list[Any] | None:
    """The values an equality or ``$in`` condition accepts, if all are hashable non-null scalars."""
    if isinstance(condition, Mapping):
        if set(condition) == {"$in"} and isinstance(condition["$in"], list | tuple):
            values = list(condition["$in"])
        elif set(condition) == {"$eq"}:
            values = [condition["$eq"]]
        else:
            return None
    else:
        values = [condition]
    if all(value is not None and isinstance(value, _SCALARS) for value in values):
        return values
    return None


def indexed(collection: Any) -> IndexedStore:
    """Make a mongomock collection use an :class:`IndexedStore` and plan its queries with it."""
    store = collection._store
    if not isinstance(store, IndexedStore):
        store.__class__ = IndexedStore
        store.setup()
    if "_iter_documents" not in vars(collection):
        collection._iter_documents = _planned_iteration(collection)
    return store  # type: ignore[no-any-return]


def count(collection: Any, filter: Mapping[str, Any]) -> int | None:
    """How many documents ``filter`` matches, planned once; None when the indexes cannot narrow it (mongomock counts)."""
    store = indexed(collection)
    filter = helpers.patch_datetime_awareness_in_document(filter)
    planned = store.plan(filter, ordered=False)
    if planned is None:
        return None
    if not planned.residual and not planned.unsure:
        return len(planned.ids)
    return sum(1 for _ in _matching_planned(store, filter, planned))


def matches(collection: Any, filter: Mapping[str, Any]) -> Iterator[Any]:
    """The stored documents ``filter`` matches, in no particular order (for grouping; not copies: do not change them)."""
    store = indexed(collection)
    filter = helpers.patch_datetime_awareness_in_document(filter)
    planned = store.plan(filter, ordered=False)
    if planned is None:
        return _matching(store, filter, list(store._documents.values()))
    if not planned.residual and not planned.unsure:
        return iter([store._documents[doc_id] for doc_id in planned.ids])
    return _matching_planned(store, filter, planned)


def sorted_ids(collection: Any, filter: Mapping[str, Any], sort: Sequence[tuple[str, int]], limit: int) -> list[Any] | None:
    """The ids of the first ``limit`` matches in ``sort`` order, sorted without mongomock's BSON comparisons and
    without copying the rest; None when a sort field has values of mixed or unusual types (mongomock decides then)."""
    documents = list(collection._iter_documents(helpers.patch_datetime_awareness_in_document(filter)))
    fields = [field for field, _ in sort]
    if not documents or any("." in field for field in fields):
        return [] if not documents else None
    try:
        keys = (
            list(map(itemgetter(*fields), documents)) if len(fields) > 1 else [(value,) for value in map(itemgetter(fields[0]), documents)]
        )
    except KeyError:  # a missing field sorts by BSON rules
        return None
    for column in range(len(fields)):
        kinds = {_SORTABLE.get(kind) for kind in set(map(type, map(itemgetter(column), keys)))}
        if len(kinds) > 1 or None in kinds:
            return None
    positions = range(len(documents))
    try:
        directions = {direction < 0 for _, direction in sort}
        if len(directions) == 1:
            descending = directions.pop()
            if limit:
                pick = heapq.nlargest if descending else heapq.nsmallest
                order = pick(limit, positions, key=keys.__getitem__)
            else:
                order = sorted(positions, key=keys.__getitem__, reverse=descending)
        else:
            order = list(positions)
            for column in reversed(range(len(fields))):
                order.sort(key=lambda position: keys[position][column], reverse=sort[column][1] < 0)
            order = order[:limit] if limit else order
    except TypeError:  # naive and aware datetimes together
        return None
    return [documents[position]["_id"] for position in order]


_SORTABLE: dict[type, str] = {str: "string", int: "number", float: "number", datetime: "date"}


def _planned_iteration(collection: Any) -> Callable[[Mapping[str, Any]], Iterator[Any]]:
    def iterate(filter: Mapping[str, Any]) -> Iterator[Any]:
        store = indexed(collection)
        if store.is_empty:
            filter_applies(filter, {})
        planned = store.plan(filter)
        if planned is None:
            return _matching(store, filter, list(store._documents.values()))
        return _matching_planned(store, filter, planned)

    return iterate


def _matching(store: IndexedStore, filter: Mapping[str, Any], documents: list[Any]) -> Iterator[Any]:
    for document in documents:
        if filter_applies(filter, document):
            if store.touched is not None:
                store.touched.add(document["_id"])
            yield document


def _matching_planned(store: IndexedStore, filter: Mapping[str, Any], planned: Plan) -> Iterator[Any]:
    documents = store._documents
    for doc_id in planned.ids:
        document = documents[doc_id]
        if doc_id in planned.unsure:
            if not filter_applies(filter, document):
                continue
        elif planned.residual and not filter_applies(planned.residual, document):
            continue
        if store.touched is not None:
            store.touched.add(doc_id)
        yield document
