"""The mutation pattern: run a use case, turn a domain refusal into typed payload errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.common.domain import DomainError
from services.common.graphql.errors import UserError, user_error

__all__ = ["attempt"]

T = TypeVar("T")


async def attempt(action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """``(result, [])`` on success; ``(None, [error])`` when a rule said no (nothing changed)."""
    try:
        return await action(), []
    except DomainError as error:
        return None, [user_error(error)]
