"""The admin console (GraphiQL at the gateway) in headless Chromium: it loads, runs a federated query, shows the result."""

from __future__ import annotations

import json
from urllib.parse import quote

from services.common.identity import Role, mint_token
from services.demo import DISTRICT, HOME, load_demo
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
        await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        shown = await page.wait_for(f"({RESULT}).includes('organizationStats') && ({RESULT})")
    await http.aclose()

    result = json.loads(shown)
    assert result == {"data": {"community": {"name": "左安浦园社区", "organizationStats": {"total": 17}, "needStats": {"total": 5}}}}
