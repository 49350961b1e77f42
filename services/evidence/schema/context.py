"""The evidence service's per-request context."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.graphql.context import RequestContext
from services.evidence.handlers import EvidenceHandlers

__all__ = ["EvidenceContext"]


@dataclass
class EvidenceContext(RequestContext):
    """The caller and the service's use cases."""

    handlers: EvidenceHandlers | None = None

    @property
    def use_cases(self) -> EvidenceHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers
