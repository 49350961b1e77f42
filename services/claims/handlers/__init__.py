"""Commands and reactions of the claims service, one class composed of its concerns."""

from services.claims.handlers.base import HandlerBase
from services.claims.handlers.implementation import Implementation
from services.claims.handlers.reactions import Reactions
from services.claims.handlers.statistics import Statistics

__all__ = ["ClaimsHandlers", "HandlerBase"]


class ClaimsHandlers(Reactions, Implementation, Statistics):
    """Claiming, meetings, implementation, read-model reactions and statistics upkeep."""
