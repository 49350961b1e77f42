"""The mutation pattern: run a use case, turn a domain refusal into typed payload errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from services.common.domain import DomainError, Invalid
from services.common.graphql.errors import UserError, user_error
from services.common.identity import Principal

__all__ = ["attempt", "attempt_for_caller"]

T = TypeVar("T")
H = TypeVar("H")
H_co = TypeVar("H_co", covariant=True)


class UseCaseContext(Protocol[H_co]):
    """A request context that knows the caller and the service's use cases."""

    def require_principal(self) -> Principal:
        """The caller, or an UNAUTHENTICATED error."""

    @property
    def use_cases(self) -> H_co:
        """The service's handlers."""


async def attempt(action: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """``(result, [])`` on success; ``(None, errors)`` when a rule said no (nothing changed): every
    failure of an input at once when the domain found several."""
    try:
        return await action(), []
    except Invalid as error:
        return None, [user_error(each) for each in error.every]
    except DomainError as error:
        return None, [user_error(error)]


async def attempt_for_caller(
    context: UseCaseContext[H], action: Callable[[H, Principal], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """:func:`attempt` a use case on behalf of the authenticated caller."""
    principal = context.require_principal()
    return await attempt(lambda: action(context.use_cases, principal))
