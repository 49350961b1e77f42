"""The disclosure service's per-request context."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.graphql.context import RequestContext
from services.common.graphql.errors import PublicError
from services.disclosure.handlers import DisclosureHandlers

__all__ = ["DisclosureContext"]


@dataclass
class DisclosureContext(RequestContext):
    """The caller (anyone, for the 公示) and the service's use cases."""

    handlers: DisclosureHandlers | None = None

    @property
    def use_cases(self) -> DisclosureHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers

    def allow_anyone(self) -> None:
        """Public fields need no token, but a token that was sent and is bad is still refused."""
        if self.principal is None and self.auth_error is not None:
            raise PublicError(self.auth_error, "UNAUTHENTICATED")
