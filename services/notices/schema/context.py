"""The notices service's per-request context: the caller and the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.graphql.context import RequestContext
from services.notices.handlers import NoticesHandlers

__all__ = ["NoticesContext"]


@dataclass
class NoticesContext(RequestContext):
    """Everything a resolver needs, made fresh for each request."""

    handlers: NoticesHandlers | None = None

    @property
    def use_cases(self) -> NoticesHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers
