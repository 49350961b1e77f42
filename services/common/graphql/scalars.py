"""Scalars shared by every subgraph, mapped onto Python types through ``StrawberryConfig``."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.types.scalar import ScalarDefinition

__all__ = ["SCALAR_MAP", "Fen", "schema_config"]

Fen = NewType("Fen", int)
"""Money in fen (分): a whole number, never a float."""


def _parse_fen(value: object) -> Fen:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("an amount in fen must be a whole number (no decimals, no strings)")
    return Fen(value)


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
