"""What a service needs from a bus, whichever adapter is behind it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.common.events import Event

__all__ = ["Bus", "DeadLetter", "EventHandler", "PublishError", "Subscription", "UnprocessableEvent"]

EventHandler = Callable[[Event], Awaitable[None]]


class UnprocessableEvent(ValueError):
    """The event can never be handled (its data breaks the contract): dead-letter it at once."""


class PublishError(RuntimeError):
    """The broker did not confirm an event: it stays in the outbox and is tried again."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """A consumer (one durable queue) bound to routing-key patterns, with its handler."""

    consumer: str
    bindings: Sequence[str]
    handler: EventHandler


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a consumer gave up on after ``attempts`` deliveries, and the last error."""

    consumer: str
    event: Event
    attempts: int
    error: str


class Bus(Protocol):
    """Publish confirmed events; deliver them to durable, named consumers."""

    async def start(self) -> None:
        """Connect and declare the topology."""

    async def publish(self, event: Event) -> None:
        """Return once the event is safely with the bus; raise :class:`PublishError` if not."""

    async def subscribe(self, subscription: Subscription) -> None:
        """Start delivering matching events to ``subscription.handler``."""

    async def dead_letters(self, consumer: str, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` events dead-lettered for ``consumer``, oldest first; looking leaves them there."""

    async def ping(self) -> bool:
        """True when the bus can take events now (readiness)."""

    async def close(self) -> None:
        """Stop consuming and disconnect; pending handler work finishes first."""
