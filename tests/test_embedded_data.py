"""The embedded mode keeps its data: ``python -m services up`` killed with SIGKILL and started again on the same folder."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.up import RunningPlatform, platform_up

SUBMIT = """mutation($title: String!) {
  submitNeed(input: {communityId: "community-zuoanpuyuan", title: $title, category: BLUE_GUARD, targetGroups: [ELDERLY]}) {
    need { id } errors { code }
  }
}"""
FEED = """query($after: String) {
  events(after: $after, first: 100, types: ["needs.need.submitted.v1"]) {
    pageInfo { hasNextPage endCursor } edges { cursor node { data } }
  }
}"""


async def ask(up: RunningPlatform, http: httpx.AsyncClient, role: str, query: str, **variables: Any) -> dict[str, Any]:
    response = await http.post(
        up.urls["gateway"], json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {up.tokens[role]}"}
    )
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def submit(up: RunningPlatform, http: httpx.AsyncClient, title: str) -> str:
    payload = (await ask(up, http, "resident", SUBMIT, title=title))["submitNeed"]
    assert payload["errors"] == []
    need_id: str = payload["need"]["id"]
    return need_id


async def feed_after(up: RunningPlatform, http: httpx.AsyncClient, after: str | None) -> list[dict[str, Any]]:
    """Every needs.need.submitted.v1 the staff may see after the cursor, page by page."""
    edges: list[dict[str, Any]] = []
    while True:
        page = (await ask(up, http, "community_staff", FEED, after=after))["events"]
        edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        after = page["pageInfo"]["endCursor"]


async def until_in_feed(up: RunningPlatform, http: httpx.AsyncClient, need_id: str, after: str | None) -> list[dict[str, Any]]:
    """The feed after ``after`` once it holds the need's event (the events service learns it from the bus)."""
    async with asyncio.timeout(30):
        while True:
            edges = await feed_after(up, http, after)
            if any(edge["node"]["data"]["need_id"] == need_id for edge in edges):
                return edges
            await asyncio.sleep(0.1)


@pytest.mark.timeout(180)
async def test_a_need_and_the_feed_survive_sigkill_and_the_demo_loads_once(tmp_path: Path) -> None:
    async with platform_up(data=tmp_path) as up, httpx.AsyncClient(timeout=30) as http:
        needs_before = (await ask(up, http, "community_staff", "{ needs { totalCount } }"))["needs"]["totalCount"]
        before = await submit(up, http, "楼道灯坏了，晚上看不见台阶")
        cursor = (await until_in_feed(up, http, before, None))[-1]["cursor"]
        await up.crash()
    assert up.exit_code == -9

    async with platform_up(data=tmp_path) as again, httpx.AsyncClient(timeout=30) as http:
        kept = await ask(again, http, "community_staff", f'{{ need(id: "{before}") {{ title status }} }}')
        after = await submit(again, http, "健身器材松动")
        new = await until_in_feed(again, http, after, cursor)
        needs_now = (await ask(again, http, "community_staff", "{ needs { totalCount } }"))["needs"]["totalCount"]

    assert kept["need"] == {"title": "楼道灯坏了，晚上看不见台阶", "status": "SUBMITTED"}
    assert [edge["node"]["data"]["need_id"] for edge in new] == [after]  # the cursor from before the kill goes on
    assert needs_now == needs_before + 2  # the demo was not loaded again
    assert (tmp_path / "journal.jsonl").exists()


@pytest.mark.timeout(180)
async def test_ctrl_c_keeps_what_was_entered_and_fresh_starts_again_with_only_the_demo(tmp_path: Path) -> None:
    async with platform_up(data=tmp_path) as up, httpx.AsyncClient(timeout=30) as http:
        demo = (await ask(up, http, "community_staff", "{ needs { totalCount } }"))["needs"]["totalCount"]
        gone = await submit(up, http, "要忘掉的需求")
    assert up.exit_code in (0, 130)  # stopped with Ctrl-C (SIGINT)
    async with platform_up(data=tmp_path) as kept, httpx.AsyncClient(timeout=30) as http:
        still = await ask(kept, http, "community_staff", f'{{ need(id: "{gone}") {{ title }} }}')
    async with platform_up(data=tmp_path, fresh=True) as again, httpx.AsyncClient(timeout=30) as http:
        forgotten = await ask(again, http, "community_staff", f'{{ need(id: "{gone}") {{ title }} }}')
        count = (await ask(again, http, "community_staff", "{ needs { totalCount } }"))["needs"]["totalCount"]
    assert still["need"] == {"title": "要忘掉的需求"}
    assert forgotten["need"] is None
    assert count == demo
