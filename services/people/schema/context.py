"""The people service's per-request context: the caller and the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.graphql.context import RequestContext
from services.people.handlers import PeopleHandlers
from services.people.store import PeopleStore

__all__ = ["PeopleContext"]


@dataclass
class PeopleContext(RequestContext):
    """Everything a resolver needs, made fresh for each request."""

    handlers: PeopleHandlers | None = None

    @property
    def use_cases(self) -> PeopleHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers

    @property
    def store(self) -> PeopleStore:
        """The service's store."""
        return self.use_cases.store
