"""Scalars shared by every subgraph, mapped onto Python types through ``StrawberryConfig``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.types.scalar import ScalarDefinition

from services.common.domain import Invalid

__all__ = ["SCALAR_MAP", "Fen", "NotWholeFen", "fen_value", "schema_config"]

Fen = NewType("Fen", int)
"""Money in fen (分): a whole number, never a float."""


@dataclass(frozen=True, slots=True)
class NotWholeFen:
    """An input amount that is not a whole number of fen, kept so the mutation can name the field in a typed error."""

    raw: object


def _parse_fen(value: object) -> Fen | NotWholeFen:
    """Whole numbers become :data:`Fen`; anything else is carried as :class:`NotWholeFen`, so the
    mutation answers with a typed INVALID_INPUT error naming the field (a variable that failed
    coercion would void the whole request instead)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return NotWholeFen(value)
    return Fen(value)


def fen_value(value: object, *, field: str) -> int:
    """The whole fen of an input amount, or :class:`Invalid` naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("an amount in fen must be a whole number (no decimals, no strings)", field=field)
    return value


SCALAR_MAP: dict[object, ScalarDefinition] = {
    Fen: strawberry.scalar(
        name="Fen",
        description="Money in fen (分, 1/100 yuan) as a whole number: never a float. 64-bit safe, unlike Int.",
        serialize=int,
        parse_value=_parse_fen,
    )
}


def schema_config() -> StrawberryConfig:
    """The configuration every subgraph's schema is built with."""
    return StrawberryConfig(scalar_map=SCALAR_MAP)
