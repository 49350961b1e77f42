"""The README's claim-cycle walkthrough works as written: every operation, run in order against `up`.

Each step in the README is a ``graphql`` block preceded by an HTML comment
``<!-- step: as=<role> [save=NAME:path.to.id[,NAME:path]] [expect=path:VALUE] -->``; the placeholders a step
saves (``NEED_ID``…) are put into the later steps, as a reader would paste them.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from tests.up import platform_up

README = Path(__file__).resolve().parents[1] / "README.md"
STEP = re.compile(r"<!-- step: (?P<annotation>[^>]*?) -->\n```graphql\n(?P<operation>.*?)```", re.DOTALL)
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Step:
    """One walkthrough step: who runs it, what it saves for later, what must become true."""

    role: str
    operation: str
    saves: dict[str, str]
    expect: tuple[str, str] | None


def walkthrough() -> list[Step]:
    steps = []
    for match in STEP.finditer(README.read_text()):
        options = dict(part.split("=", 1) for part in match["annotation"].split())
        saves = dict(pair.split(":", 1) for pair in options["save"].split(",")) if "save" in options else {}
        expect = tuple(options["expect"].split(":", 1)) if "expect" in options else None
        steps.append(Step(options["as"], match["operation"], saves, expect))  # type: ignore[arg-type]
    return steps


def at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def payload_errors(data: dict[str, Any]) -> list[Any]:
    return [error for value in data.values() if isinstance(value, dict) for error in value.get("errors") or []]


def test_every_graphql_block_in_the_readme_parses() -> None:
    blocks = BLOCK.findall(README.read_text())
    assert len(blocks) >= 15
    for block in blocks:
        parse(block)


@pytest.mark.timeout(120)
async def test_the_readme_walkthrough_runs_as_written_through_the_gateway() -> None:
    steps = walkthrough()
    assert len(steps) >= 15
    saved: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    async with platform_up() as up, httpx.AsyncClient(timeout=30) as http:
        for step in steps:
            operation = step.operation
            for name, value in saved.items():
                operation = operation.replace(name, value)
            assert not re.search(r"\b[A-Z]+_ID\b", operation), f"a placeholder no step saved: {operation}"
            headers = {"authorization": f"Bearer {up.tokens[step.role]}"}
            for _ in range(100):  # events travel between services: a step may need a moment; a failed one changed nothing
                body = (await http.post(up.urls["gateway"], json={"query": operation}, headers=headers)).json()
                assert "errors" not in body, (operation, body["errors"])
                done = not payload_errors(body["data"]) and (step.expect is None or str(at(body["data"], step.expect[0])) == step.expect[1])
                if done:
                    break
                await asyncio.sleep(0.1)
            assert done, (operation, body["data"])
            saved.update({name: at(body["data"], path) for name, path in step.saves.items()})
            results.append(body["data"])

    assert set(saved) == {"NEED_ID", "ITEM_ID", "CLAIM_ID", "MEETING_ID", "VISIT_ID", "PARKING_ITEM", "PARKING_CLAIM", "PARKING_MEETING"}
    outcome = next(result for result in results if "need" in result and "organization" in result)
    district = next(result["district"] for result in results if "district" in result)
    assert outcome["need"]["serviceItem"]["status"] == "EVALUATED"
    record = outcome["organization"]["trackRecord"]
    assert record["projectsCompleted"] >= 1
    assert record["volunteerHours"] >= 48
    assert district["claimStats"]["projectsCompleted"] >= 2  # the demo's and the walkthrough's
    evaluated = next(result for result in results if "evaluateProject" in result)
    assert evaluated["evaluateProject"]["claim"]["evaluation"]["grade"] == "EXCELLENT"  # 0.7 × 4.6 + 0.3 × 5 = 4.72
    parking = next(result for result in results if "serviceItems" in result)["serviceItems"]["edges"][0]["node"]
    assert (parking["status"], [claim["status"] for claim in parking["claims"]]) == ("PUBLISHED", ["TERMINATED", "SUBMITTED"])
    taken_over = results[-1]["serviceItem"]
    assert (taken_over["status"], taken_over["needs"]) == ("CLAIMED", [{"status": "PLANNED"}])
