"""The admin console: GraphiQL over the whole federated graph, its assets served by the gateway.

The assets come from the npm packages locked in ``gateway/console/package-lock.json`` (installed
by ``make``), so the console works where no CDN is reachable; without them it falls back to the
CDN addresses of strawberry's GraphiQL page.
"""

from __future__ import annotations

import logging
import pathlib
import re

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from strawberry.http.ides import get_graphql_ide_html

__all__ = ["ASSETS", "asset", "console_html"]

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


def local_assets() -> bool:
    """Whether the locked npm packages are installed."""
    return all((MODULES / path).is_file() for _, path in ASSETS.values())


def console_html() -> str:
    """GraphiQL's page, pointing at the gateway's own copies of its assets when they are installed."""
    html = get_graphql_ide_html("graphiql").replace("Strawberry GraphiQL", "Renling 认领 console")
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
