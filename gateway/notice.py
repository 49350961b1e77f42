"""The printable noticeboard page (公示栏) of a community: HTML rendered from the public 公示 API.

``GET /notice/{community_id}`` runs one ``publicNotice`` query through the gateway itself, as
an anonymous caller (whatever the browser sends, no token is forwarded), and renders what it
answers. Nothing here reads a store: the page can show only what anyone may query.
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from gateway.client import forwarded

__all__ = ["NOTICE_QUERY", "notice_page", "yuan"]

NOTICE_QUERY = """query Noticeboard($id: ID!) { publicNotice(communityId: $id) {
  communityName periodDays generatedAt
  totals { fundSource budgetedFen approvedFen disbursedFen }
  items { title kind category status budgetFen claims { claimant status approvedFen disbursedFen volunteerHours score grade } }
  meetings { scheduledAt minutes decisions { itemTitle claimant outcome } }
} }"""

FUNDS = {"PARTY_SERVICE_FUND": "党组织服务群众经费", "COMMUNITY_WELFARE_FUND": "社区公益金", "OTHER": "其他资金"}
STYLE = """body{font-family:"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;color:#111}
h1{border-bottom:3px solid #b22;padding-bottom:.3em}table{border-collapse:collapse;width:100%;margin:1em 0}
th,td{border:1px solid #999;padding:.3em .5em;text-align:left}td.n{text-align:right}
@media print{body{margin:0}a{display:none}}"""


def yuan(fen: int) -> str:
    """¥1,234.50 for 123450 fen."""
    return f"¥{fen // 100:,}.{fen % 100:02d}"


async def notice_page(request: Request) -> HTMLResponse:
    """The community's noticeboard page, or a 404 page for an unknown community."""
    headers = {name: value for name, value in forwarded(request.headers).items() if name != "authorization"}
    body = {"query": NOTICE_QUERY, "variables": {"id": request.path_params["community_id"]}}
    answer = await request.app.state.gateway.execute(body, headers, allow_mutations=False)
    notice = (answer.get("data") or {}).get("publicNotice")
    if notice is None:
        return HTMLResponse("<!doctype html><meta charset=utf-8><title>公示</title><p>没有这个社区的公示。</p>", status_code=404)
    return HTMLResponse(render(notice))


def render(notice: dict[str, Any]) -> str:
    """The page for one ``publicNotice`` answer."""
    name = escape(notice["communityName"])
    totals = "".join(
        f"<tr data-fund='{escape(t['fundSource'])}'><td>{escape(FUNDS.get(t['fundSource'], t['fundSource']))}</td>"
        f"<td class=n>{yuan(t['budgetedFen'])}</td><td class=n>{yuan(t['approvedFen'])}</td><td class=n>{yuan(t['disbursedFen'])}</td></tr>"
        for t in notice["totals"]
    )
    all_totals = [sum(t[key] for t in notice["totals"]) for key in ("budgetedFen", "approvedFen", "disbursedFen")]
    items = "".join(_item(item) for item in notice["items"])
    meetings = "".join(_meeting(meeting) for meeting in notice["meetings"])
    return f"""<!doctype html><html lang=zh-CN><head><meta charset=utf-8><title>{name} 公示</title><style>{STYLE}</style></head><body>
<h1>{name} · 公益认领公示</h1>
<p>公示期：项目结束后 {int(notice["periodDays"])} 天 · 生成于 {escape(notice["generatedAt"][:19].replace("T", " "))} (UTC)</p>
<h2>资金总览</h2><table id=totals><tr><th>资金来源</th><th>预算</th><th>已批准</th><th>已拨付</th></tr>{totals}
<tr id=grand-total><th>合计</th><td class=n>{yuan(all_totals[0])}</td><td class=n>{yuan(all_totals[1])}</td><td class=n>{yuan(all_totals[2])}</td></tr></table>
<h2>服务项目与认领</h2><table id=items><tr><th>项目</th><th>状态</th><th>预算</th><th>认领方</th><th>批准</th><th>拨付</th><th>志愿时长</th><th>评估</th></tr>{items}</table>
<h2>认领意向会</h2>{meetings or "<p>暂无</p>"}
<p><a href="javascript:print()">打印</a></p></body></html>"""


def _item(item: dict[str, Any]) -> str:
    claims = item["claims"] or [None]
    rows = []
    for index, claim in enumerate(claims):
        head = (
            f"<td rowspan={len(claims)}>{escape(item['title'])}</td><td rowspan={len(claims)}>{escape(item['status'])}</td>"
            f"<td rowspan={len(claims)} class=n>{yuan(item['budgetFen'])}</td>"
            if index == 0
            else ""
        )
        if claim is None:
            rows.append(f"<tr>{head}<td colspan=5>待认领</td></tr>")
            continue
        grade = f"{claim['score']:.1f}/5 {escape(claim['grade'] or '')}" if claim["score"] is not None else "—"
        rows.append(
            f"<tr>{head}<td>{escape(claim['claimant'])}</td><td class=n>{yuan(claim['approvedFen'])}</td>"
            f"<td class=n>{yuan(claim['disbursedFen'])}</td><td class=n>{claim['volunteerHours']:g}</td><td>{grade}</td></tr>"
        )
    return "".join(rows)


def _meeting(meeting: dict[str, Any]) -> str:
    decisions = "".join(
        f"<li>{escape(d['itemTitle'])}：{escape(d['claimant'])} — {'通过' if d['outcome'] == 'APPROVED' else '未通过'}</li>"
        for d in meeting["decisions"]
    )
    return f"<h3>{escape(meeting['scheduledAt'][:10])}</h3><ul>{decisions}</ul><p>纪要：{escape(meeting['minutes'])}</p>"
