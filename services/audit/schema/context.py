"""The audit service's per-request context."""

from __future__ import annotations

from dataclasses import dataclass

from services.audit.handlers import AuditHandlers
from services.common.graphql.context import RequestContext

__all__ = ["AuditContext"]


@dataclass
class AuditContext(RequestContext):
    """The caller and the service's use cases."""

    handlers: AuditHandlers | None = None

    @property
    def use_cases(self) -> AuditHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers
