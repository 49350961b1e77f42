"""The statistics rebuild, as every service with counters offers it: who may ask, and what the answer says.

A rebuild recounts a service's counters from its records (the source of truth) into a fresh
generation and switches readers to it in one conditional update; see
:mod:`services.common.store.statistics`. Only a district administrator asks for one
(:func:`services.common.access.require_district_admin`).
"""

from __future__ import annotations

from typing import Self

import strawberry

from services.common.store.statistics import Rebuilt

__all__ = ["StatisticsRebuild"]


@strawberry.federation.type(shareable=True, description="What a statistics rebuild did.")
class StatisticsRebuild:
    generation: int = strawberry.field(description="The generation of counters built (readers use it if `switched`).")
    records: int = strawberry.field(description="How many records were recounted.")
    switched: bool = strawberry.field(
        description="True when readers now use the new generation; false if a later rebuild, started meanwhile, superseded it."
    )

    @classmethod
    def of(cls, rebuilt: Rebuilt) -> Self:
        """From the store's answer."""
        return cls(generation=rebuilt.generation, records=rebuilt.records, switched=rebuilt.switched)
