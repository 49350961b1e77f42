"""The printable noticeboard page (公示栏) of a community, served by the gateway, in headless Chromium."""

from __future__ import annotations

import json

from gateway.notice import yuan
from services.demo import HOME
from tests.cdp import chromium_page
from tests.disclosure.conftest import Demo
from tests.support import gateway_over, serving

CELLS = "JSON.stringify([...document.querySelectorAll('{selector} td')].map(cell => cell.textContent))"


async def test_the_noticeboard_page_renders_in_chromium_with_the_right_totals(demo: Demo) -> None:
    notice = (
        await demo.gateway.data(
            f'{{ publicNotice(communityId: "{HOME}") {{ totals {{ fundSource budgetedFen approvedFen disbursedFen }} items {{ title }} }} }}'
        )
    )["publicNotice"]
    sums = [sum(line[key] for line in notice["totals"]) for key in ("budgetedFen", "approvedFen", "disbursedFen")]
    gateway, http = gateway_over(demo.apps, demo.settings)
    async with serving(gateway) as base, chromium_page(f"{base}/notice/{HOME}") as page:
        title = await page.wait_for("document.title.includes('公示') && document.title")
        grand = json.loads(await page.evaluate(CELLS.format(selector="#grand-total")))
        party = json.loads(await page.evaluate(CELLS.format(selector="tr[data-fund=PARTY_SERVICE_FUND]")))
        text = await page.evaluate("document.body.innerText")
    async with serving(gateway) as base:
        missing = await http.get(f"{base}/notice/no-such-community")
    await http.aclose()

    assert title == "左安浦园社区 公示"
    assert grand == [yuan(fen) for fen in sums]
    assert sums[2] > 0
    line = next(line for line in notice["totals"] if line["fundSource"] == "PARTY_SERVICE_FUND")
    assert party == ["党组织服务群众经费", yuan(line["budgetedFen"]), yuan(line["approvedFen"]), yuan(line["disbursedFen"])]
    assert all(item["title"] in text for item in notice["items"])
    assert missing.status_code == 404
