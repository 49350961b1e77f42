"""Query planning (the planner lives in :mod:`gateway.planner`; this module keeps the old import path)."""

from __future__ import annotations

from gateway.planner import FetchNode, Plan, PlanningError, plan

Fetch = FetchNode

__all__ = ["Fetch", "Plan", "PlanningError", "plan"]
