"""``python -m gateway``: serve the gateway alone, print the composed supergraph SDL, or print a query plan."""

from __future__ import annotations

import argparse
import asyncio

from gateway.app import compose_from_subgraphs
from gateway.client import SubgraphClient
from gateway.composition import compose
from gateway.keep_alive import KeepAliveTransport
from gateway.model import Subgraph
from gateway.settings import GatewaySettings
from gateway.supergraph_sdl import print_supergraph


def main() -> None:
    """``serve``; ``compose`` prints the supergraph of the running subgraphs (``--local``: of the services' own schemas);
    ``plan --supergraph F --query Q`` prints the plan of an operation (``QUERY_PLANNING_FAILED`` and the reason if none)."""
    parser = argparse.ArgumentParser(prog="python -m gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    composer = commands.add_parser("compose", help="print the composed supergraph SDL")
    composer.add_argument("--local", action="store_true", help="compose the services' schemas in-process (no servers needed)")
    commands.add_parser("serve", help="run the gateway alone")
    planner = commands.add_parser("plan", help="print the query plan of an operation over a supergraph SDL")
    planner.add_argument("--supergraph", required=True, help="the supergraph SDL file")
    planner.add_argument("--query", required=True, help="the operation text, or @file to read it from a file")
    planner.add_argument("--operation-name", default=None)
    args = parser.parse_args()
    if args.command == "plan":
        print(_plan(args.supergraph, args.query, args.operation_name))
        return
    settings = GatewaySettings()
    if args.command == "serve":
        _serve(settings)
        return
    print(asyncio.run(_compose(settings, local=args.local)))


def _serve(settings: GatewaySettings) -> None:
    """The gateway alone: only the kernel (``services.common``) is imported, not the services."""
    import uvloop

    from gateway.app import create_gateway_app
    from services.common.serve import Listener, refuse_insecure_secret, serve_all

    refuse_insecure_secret(settings)
    uvloop.run(serve_all([Listener("gateway", create_gateway_app(settings), settings.host, settings.gateway_port)]))


def _plan(supergraph_file: str, query: str, operation_name: str | None) -> str:
    """The printed plan of ``query`` (text, or ``@file``) over the supergraph SDL in ``supergraph_file``."""
    from pathlib import Path

    from graphql import FragmentDefinitionNode, get_operation_ast, parse, validate

    from gateway.planner import PlanningError, plan, print_plan
    from gateway.supergraph_sdl import load_supergraph

    supergraph = load_supergraph(Path(supergraph_file).read_text())
    text = Path(query[1:]).read_text() if query.startswith("@") else query
    document = parse(text)
    errors = validate(supergraph.schema, document)
    if errors:
        raise SystemExit("\n".join(error.message for error in errors))
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        raise SystemExit("name the operation with --operation-name")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        return print_plan(plan(supergraph, operation, fragments))
    except PlanningError as error:
        raise SystemExit(f"QUERY_PLANNING_FAILED: {error}") from error


async def _compose(settings: GatewaySettings, *, local: bool) -> str:
    urls = settings.subgraph_urls()
    if local:
        from services.claims.schema import build_schema as claims
        from services.needs.schema import build_schema as needs
        from services.orgs.schema import build_schema as orgs

        builders = {"needs": needs, "claims": claims, "orgs": orgs}
        sdls = {}
        for name, build in builders.items():
            result = build(settings).execute_sync("{ _service { sdl } }")
            assert result.data is not None
            sdls[name] = (urls[name], result.data["_service"]["sdl"])
        return print_supergraph(compose(sdls))
    http = KeepAliveTransport()
    try:
        subgraphs = {name: Subgraph(name, url) for name, url in urls.items()}
        supergraph = await compose_from_subgraphs(
            SubgraphClient(http, subgraphs, timeout_s=settings.subgraph_timeout_s), subgraphs, wait_s=0
        )
        return print_supergraph(supergraph)
    finally:
        await http.close()


if __name__ == "__main__":
    main()
