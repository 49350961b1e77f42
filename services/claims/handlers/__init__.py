"""Commands and reactions of the claims service, one class composed of its concerns."""

from services.claims.handlers.base import HandlerBase
from services.claims.handlers.implementation import Implementation
from services.claims.handlers.reactions import Reactions

__all__ = ["ClaimsHandlers", "HandlerBase"]


class ClaimsHandlers(Reactions, Implementation):
    """Claiming, meetings, implementation and read-model reactions."""
