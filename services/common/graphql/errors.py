"""Typed GraphQL errors.

Two kinds: :class:`UserError` types returned in mutation payloads (which input field, why,
and nothing changed), and :class:`PublicError` raised from resolvers for problems with the
request itself (not signed in, not allowed to see this). Everything else is masked.
"""

from __future__ import annotations

from enum import Enum

import strawberry
from graphql import GraphQLError

from services.common.domain import Conflict, DomainError, Forbidden, Invalid, NotFound, TransitionNotAllowed

__all__ = [
    "ERROR_TYPES",
    "ConflictError",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "PublicError",
    "TransitionNotAllowedError",
    "UserError",
    "public_error",
    "user_error",
]


class PublicError(GraphQLError):
    """A request-level error whose message is safe to show; carries ``extensions.code``."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        extensions: dict[str, object] = {"code": code}
        if field is not None:
            extensions["field"] = field
        super().__init__(message, extensions=extensions)


def public_error(error: DomainError) -> PublicError:
    """A domain refusal raised from a query resolver."""
    return PublicError(error.message, error.code, error.field)


@strawberry.interface(description="A reason a mutation changed nothing: which input field, and why.")
class UserError:
    message: str = strawberry.field(description="What went wrong, for a person to read.")
    field: str | None = strawberry.field(description="Path of the input field at fault, e.g. `budget.0.amountFen`; null if none.")
    code: str = strawberry.field(description="Stable machine-readable code.")


@strawberry.federation.type(
    shareable=True, description="The input breaks a rule (empty title, budget ≤ 0, window closing before it opens…)."
)
class InvalidInputError(UserError):
    pass


@strawberry.federation.type(shareable=True, description="No such record in any community you may see.")
class NotFoundError(UserError):
    pass


@strawberry.federation.type(shareable=True, description="Your role or communities do not allow this.")
class ForbiddenError(UserError):
    pass


@strawberry.federation.type(shareable=True, description="The record changed under you too often, or a uniqueness rule was hit; try again.")
class ConflictError(UserError):
    pass


@strawberry.federation.type(shareable=True, description="The action is not allowed from the record's current status (状态不允许此操作).")
class TransitionNotAllowedError(UserError):
    current_status: str = strawberry.field(description="The record's status now.")
    action: str = strawberry.field(description="The action that was refused.")


ERROR_TYPES: tuple[type, ...] = (InvalidInputError, NotFoundError, ForbiddenError, ConflictError, TransitionNotAllowedError)


def user_error(error: DomainError) -> UserError:
    """The payload error for a domain refusal."""
    if isinstance(error, TransitionNotAllowed):
        current = error.current.value if isinstance(error.current, Enum) else str(error.current)
        return TransitionNotAllowedError(
            message=error.message, field=error.field, code=error.code, current_status=current, action=error.action
        )
    kinds: dict[type[DomainError], type[UserError]] = {
        Invalid: InvalidInputError,
        NotFound: NotFoundError,
        Forbidden: ForbiddenError,
        Conflict: ConflictError,
    }
    kind = next((payload for domain, payload in kinds.items() if isinstance(error, domain)), InvalidInputError)
    return kind(message=error.message, field=error.field, code=error.code)
