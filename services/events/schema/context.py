"""The events service's per-request context."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.graphql.context import RequestContext
from services.events.handlers import EventsHandlers

__all__ = ["EventsContext"]


@dataclass
class EventsContext(RequestContext):
    """The caller and the service's use cases."""

    handlers: EventsHandlers | None = None
    own_token: bool = False
    """The operation came with its own token (on a socket other callers may share): its expiry ends it, not the socket."""

    @property
    def use_cases(self) -> EventsHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers
