"""The admin console (GraphiQL at the gateway) in headless Chromium: it loads, runs a federated query, shows the result."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx

from gateway.console import GRAPH_DESCRIPTION, TABS, console_html
from services.common.identity import Role, mint_token
from services.demo import DISTRICT, HOME, demo_organization_id, load_demo
from tests.cdp import chromium_page
from tests.support import gateway_over, serving
from tests.test_platform import Platform, platform

__all__ = ["platform"]

QUERY = f'{{ community(id: "{HOME}") {{ name organizationStats(asOf: "2019-12-31") {{ total }} needStats {{ total }} }} }}'
RESULT = "document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue() || ''"


async def test_the_console_runs_a_federated_query_in_headless_chromium(platform: Platform) -> None:
    await load_demo(platform.apps["orgs"].state.handlers, platform.apps["needs"].state.handlers)
    await platform.settle()
    gateway, http = gateway_over(platform.apps)
    token = mint_token(platform.settings, subject="admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    headers = json.dumps({"Authorization": f"Bearer {token}"})
    address = f"/graphql?q={quote(QUERY)}&headers={quote(headers)}"
    async with serving(gateway) as base, chromium_page(base + address) as page:
        await page.wait_for("document.querySelector('.graphiql-execute-button') !== null")
        assert await page.evaluate("document.title") == "Renling 认领 console"
        await page.wait_for("!!document.querySelector('.graphiql-doc-explorer-toggle, .graphiql-sidebar')")
        tabs = await page.wait_for(
            "document.querySelectorAll('.graphiql-tab').length >= 5 && document.querySelectorAll('.graphiql-tab').length"
        )
        await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        shown = await page.wait_for(f"({RESULT}).includes('organizationStats') && ({RESULT})")
    await http.aclose()

    assert tabs == len(TABS)
    result = json.loads(shown)
    assert result == {"data": {"community": {"name": "左安浦园社区", "organizationStats": {"total": 17}, "needStats": {"total": 5}}}}


async def test_the_console_is_renlings_with_an_example_per_role_that_runs_as_that_role(platform: Platform) -> None:
    """Every default tab's operation answers without errors for its role, and the graph describes itself as a whole."""
    await load_demo(platform.apps["orgs"].state.handlers, platform.apps["needs"].state.handlers, platform.apps["claims"].state.handlers)
    await platform.settle()
    html = console_html()
    gateway, http = gateway_over(platform.apps)
    people = {
        "district_admin": {"districts": [DISTRICT]},
        "community_staff": {"communities": [HOME]},
        "org_leader": {"communities": [HOME], "organization": demo_organization_id("夕阳天使志愿服务队")},
        "resident": {"communities": [HOME]},
        "partner": {"communities": [HOME]},
    }
    answers = {}
    async with serving(gateway) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        for role, query in TABS:
            token = mint_token(platform.settings, subject=f"console-{role}", roles=[Role(role)], **people[role])  # type: ignore[arg-type]
            answers[role] = (await client.post("/graphql", json={"query": query}, headers={"authorization": f"Bearer {token}"})).json()
        described = (await client.post("/graphql", json={"query": "{ __schema { description queryType { description } } }"})).json()
    await http.aclose()

    assert [role for role, _ in TABS] == [role.value for role in Role]
    for role, body in answers.items():
        assert "errors" not in body, (role, body)
        assert all(value is not None for value in body["data"].values()), (role, body)
    assert answers["district_admin"]["data"]["district"]["name"] == "东城区"
    assert answers["org_leader"]["data"]["serviceItems"]["totalCount"] >= 1
    assert described["data"]["__schema"]["description"] == GRAPH_DESCRIPTION
    assert "claims" in described["data"]["__schema"]["queryType"]["description"]
    assert "Renling 认领 console" in html
    assert "defaultTabs: RENLING_TABS" in html
