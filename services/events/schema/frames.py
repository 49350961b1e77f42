"""Live frames of the events subscription: rendered once per distinct selection and visibility class, sent pre-serialized.

One event reaches a thousand subscribers at once. Executing each subscriber's selection over
the event and serializing the frame is the same work a thousand times when they ask for the same
fields — and they do (a partner integration is one query, deployed many times). So the events
service's graphql-transport-ws handler (:func:`~services.events.schema.sockets.socket_handler`) tells the operation it runs who it
is (:data:`LIVE`: its id, its request and how to send a text frame); the subscription's stream
then renders an entry's payload through :class:`Frames`, which executes the operation's document
over the entry (graphql-core, the same schema and resolvers) once per *(query text, operation
name, variables; the entry's visibility class: full or public; the entry)*, keeps it serialized,
and sends ``{"id": …, "type": "next", "payload": …}`` with only the id differing.

What each subscriber sees is decided before any of this, per subscriber, by the same rules as
ever (:meth:`~services.events.domain.Scope.allows`): a shared payload is only the rendering of an
entry that the subscriber may see. A :class:`~services.events.schema.types.DomainEvent`'s fields
are the entry's and nobody's else (no field may read the viewer; the rendering has no context),
so one rendering serves everyone of the class. Everything before the stream — parsing,
validation and the platform's limits, authentication, the arguments, their errors — is
strawberry's as before; a rendering with errors is not shared (the entry goes the ordinary way).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLSchema, parse
from graphql.execution import Executor, execute_subscription_event

from services.events.store import FeedEntry

__all__ = ["LIVE", "Frames", "LiveOperation"]

SELECTIONS = 256
"""Distinct selections kept prepared (their parsed document)."""
RENDERED = 64
"""Rendered payloads kept per selection (the newest entries: live subscribers take them within moments)."""

SelectionKey = tuple[str, str | None, str]


@dataclass(frozen=True, slots=True)
class LiveOperation:
    """The graphql-transport-ws operation the current task runs: its id (as JSON), its request, and the socket's sender."""

    id_json: str
    key: SelectionKey
    variables: dict[str, Any] | None
    frames: Frames
    send: Callable[[str], Awaitable[None]]

    async def send_next(self, payload: str) -> None:
        """A ``next`` message carrying this pre-serialized payload."""
        await self.send('{"id":' + self.id_json + ',"type":"next","payload":' + payload + "}")


LIVE: ContextVar[LiveOperation | None] = ContextVar("renling_events_live_operation", default=None)
"""Set by the socket handler in each operation's task; None elsewhere (HTTP, tests calling the schema)."""


class _Selection:
    """A prepared selection: its document and its newest renderings by (seq, visibility class)."""

    __slots__ = ("document", "rendered")

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.rendered: OrderedDict[tuple[int, str], tuple[FeedEntry, str]] = OrderedDict()


class Frames:
    """Payloads rendered once per (selection, visibility class, entry), for every subscriber of the process."""

    def __init__(self, schema: GraphQLSchema, of_entry: Callable[[FeedEntry], object]) -> None:
        self._schema = schema
        self._of_entry = of_entry
        self._selections: OrderedDict[SelectionKey, _Selection] = OrderedDict()
        self.renderings = 0
        """How many times a payload was executed (a measure for tests and profiles)."""

    def payload(self, operation: LiveOperation, entry: FeedEntry, visibility: str) -> str | None:
        """The serialized ``next`` payload of ``entry`` for the operation's selection; None if executing it gave errors."""
        selection = self._selection(operation.key)
        seq = int(entry["seq"])
        kept = selection.rendered.get((seq, visibility))
        if kept is not None and kept[0] is entry:  # the same entry object (the tail's); one read again is rendered again
            return kept[1]
        result = self._execute(selection, operation, entry)
        if result is None:
            return None
        selection.rendered[(seq, visibility)] = (entry, result)
        selection.rendered.move_to_end((seq, visibility))
        while len(selection.rendered) > RENDERED:
            selection.rendered.popitem(last=False)
        return result

    def _selection(self, key: SelectionKey) -> _Selection:
        selection = self._selections.get(key)
        if selection is None:
            selection = self._selections[key] = _Selection(parse(key[0]))  # strawberry validated this text already
            while len(self._selections) > SELECTIONS:
                self._selections.popitem(last=False)
        else:
            self._selections.move_to_end(key)
        return selection

    def _execute(self, selection: _Selection, operation: LiveOperation, entry: FeedEntry) -> str | None:
        executor = Executor.build(
            self._schema, selection.document, raw_variable_values=operation.variables or {}, operation_name=operation.key[1]
        )
        if not isinstance(executor, Executor):
            return None
        result = execute_subscription_event(executor.build_per_event_executor(self._of_entry(entry)))
        if not isinstance(result, ExecutionResult) or result.errors:
            return None  # an awaitable (no field here is asynchronous) or errors: the ordinary path handles it
        self.renderings += 1
        return json.dumps({"data": result.data}, ensure_ascii=False, separators=(",", ":"))
