"""The admin console: GraphiQL over the whole federated graph, its assets served by the gateway.

The assets come from the npm packages locked in ``gateway/console/package-lock.json`` (installed
by ``make``), so the console works where no CDN is reachable; without them it falls back to the
CDN addresses of strawberry's GraphiQL page. The page is Renling's: its title, a welcome that says
what the graph is, one default tab per role with an example operation and the header to put the
role's token in, and the whole graph's description in the documentation explorer
(:func:`describe_graph` gives the API schema and its root types descriptions of the whole graph,
not of whichever subgraph composed first).
"""

from __future__ import annotations

import json
import logging
import pathlib
import re

from graphql import GraphQLSchema
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from strawberry.http.ides import get_graphql_ide_html

__all__ = ["ASSETS", "GRAPH_DESCRIPTION", "TABS", "asset", "console_html", "describe_graph"]

log = logging.getLogger(__name__)
MODULES = pathlib.Path(__file__).parent / "console" / "node_modules"
ASSETS = {
    "react.production.min.js": ("https://unpkg.com/react@18.2.0/umd/react.production.min.js", "react/umd/react.production.min.js"),
    "react-dom.production.min.js": (
        "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
    ),
    "js.cookie.min.js": ("https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js", "js-cookie/dist/js.cookie.min.js"),
    "graphiql.min.css": ("https://unpkg.com/graphiql@3.8.3/graphiql.min.css", "graphiql/graphiql.min.css"),
    "graphiql.min.js": ("https://unpkg.com/graphiql@3.8.3/graphiql.min.js", "graphiql/graphiql.min.js"),
    "explorer.css": ("https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css", "@graphiql/plugin-explorer/dist/style.css"),
    "explorer.umd.js": (
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
        "@graphiql/plugin-explorer/dist/index.umd.js",
    ),
}


GRAPH_DESCRIPTION = (
    "Renling (认领): one graph for a district's public-welfare claiming (公益认领). Residents' needs (需求) are collected and "
    "classified, turned into funded service items (活动, 项目) and published for claiming; community social organizations, "
    "units and residents claim them (认领), an intention meeting (认领意向会) decides, and the work is trained, supervised "
    "(督导) and evaluated (总结评估). Places (区 → 街道 → 社区) and organizations come from orgs, needs and items from needs, "
    "claims and meetings from claims, and the partner event feed, subscriptions and webhooks from events; statistics roll "
    "up for communities, streets and districts. Send a token as `Authorization: Bearer …`; what you see is scoped by it."
)
ROOT_DESCRIPTIONS = {
    "query": "Read the district's graph: places and organizations, needs and service items, claims and meetings, the event feed.",
    "mutation": "Change it: each mutation answers with a payload whose `errors` say which field was wrong; a failed one changes nothing.",
    "subscription": "Follow events live over graphql-transport-ws (after a cursor: first everything since, then live).",
}
_HOME = "community-zuoanpuyuan"
_DISTRICT = "district-dongcheng"
TABS: tuple[tuple[str, str], ...] = (
    (
        "district_admin",
        f"""# 区级平台 · district_admin: the district at a glance
{{
  district(id: "{_DISTRICT}") {{
    name
    needStats {{ total open byCategory {{ category count }} }}
    claimStats {{ total projectsCompleted volunteerHours fundsDisbursed {{ fundSource amountFen }} }}
    streets {{ name communities {{ name organizationStats {{ total }} needStats {{ total open }} }} }}
  }}
}}""",
    ),
    (
        "community_staff",
        f"""# 社区工作人员 · community_staff: needs waiting for review, and claims under way
{{
  needs(filter: {{statuses: [SUBMITTED, UNDER_REVIEW]}}, sort: MOST_SUPPORTED, first: 5) {{
    totalCount edges {{ node {{ id title category status supportCount }} }}
  }}
  claims(first: 5) {{ totalCount edges {{ node {{ id status item {{ title }} }} }} }}
  community(id: "{_HOME}") {{ name needStats {{ total open }} claimStats {{ total }} }}
}}""",
    ),
    (
        "org_leader",
        """# 组织负责人 · org_leader: items open for claiming, and your organization's record
{
  serviceItems(filter: {statuses: [PUBLISHED]}, first: 5) {
    totalCount edges { node { id title kind category totalFen claimWindow { closesAt } } }
  }
  organization(id: "d407617ea2ed5301b39f116e7f6bf21b") {
    name stage trackRecord { itemsClaimed projectsCompleted volunteerHours averageScore }
  }
}""",
    ),
    (
        "resident",
        """# 居民 · resident: the most supported needs of your community (raise one with submitNeed)
{
  needs(sort: MOST_SUPPORTED, first: 5) { totalCount edges { node { id title category status supportCount } } }
}""",
    ),
    (
        "partner",
        """# 伙伴组织 · partner: the public events of your communities (or follow them live with subscription { events { … } })
{
  events(first: 10) { totalCount edges { cursor node { routingKey time data } } }
  webhooks { id url status }
}""",
    ),
)
"""The console's default tabs: one example operation per role (``tests/test_console.py`` runs each as that role)."""

WELCOME = """# Renling (认领) console — GraphiQL over the whole federated graph of the district.
#
# One tab per role holds an example: put that role's token (printed by `make up`, and in
# .renling/tokens.env) in the Headers tab as {"Authorization": "Bearer <token>"} and press run.
# The Docs (book icon) describe every type and field; the README walks through one claim cycle.
"""


def describe_graph(schema: GraphQLSchema) -> None:
    """Give the API schema and its root types the whole graph's descriptions (composition keeps a subgraph's)."""
    schema.description = GRAPH_DESCRIPTION
    for kind, description in ROOT_DESCRIPTIONS.items():
        root = getattr(schema, f"{kind}_type")
        if root is not None:
            root.description = description


def _tabs_script() -> str:
    tabs = [{"query": query, "headers": json.dumps({"Authorization": f"Bearer <{role} token>"})} for role, query in TABS]
    return "const RENLING_TABS = " + json.dumps(tabs, ensure_ascii=False) + ";\n"


def local_assets() -> bool:
    """Whether the locked npm packages are installed."""
    return all((MODULES / path).is_file() for _, path in ASSETS.values())


def console_html() -> str:
    """GraphiQL's page, pointing at the gateway's own copies of its assets when they are installed."""
    html = get_graphql_ide_html("graphiql").replace("Strawberry GraphiQL", "Renling 认领 console")
    html = _renling(html)
    if not local_assets():
        log.warning("console assets are not installed (run make); the console loads them from a CDN")
        return html
    for name, (cdn, _) in ASSETS.items():
        html = html.replace(cdn, f"/console/{name}")
    return re.sub(r'\s+(integrity="[^"]*"|crossorigin)', "", html)


async def asset(request: Request) -> Response:
    """One of the whitelisted console assets."""
    entry = ASSETS.get(request.path_params["name"])
    if entry is None or not (MODULES / entry[1]).is_file():
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(MODULES / entry[1], headers={"cache-control": "public, max-age=86400"})


def _renling(html: str) -> str:
    """Strawberry's GraphiQL page made Renling's: welcome text, default tabs per role, the schema's description shown."""
    start = html.index("const EXAMPLE_QUERY = `")
    end = html.index("`;", start) + 2
    html = html[:start] + "const EXAMPLE_QUERY = " + json.dumps(WELCOME, ensure_ascii=False) + ";\n      " + _tabs_script() + html[end:]
    html = html.replace("parameters.q || EXAMPLE_QUERY", "parameters.q")
    return html.replace(
        "inputValueDeprecation: true,",
        "inputValueDeprecation: true,\n          schemaDescription: true,\n          defaultQuery: EXAMPLE_QUERY,\n"
        "          defaultTabs: RENLING_TABS.map((tab, i) => i === 0 ? {...tab, query: EXAMPLE_QUERY + tab.query} : tab),",
    )
