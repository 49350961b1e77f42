"""The public workload: The Guild's gateway benchmark (graphql-hive/graphql-gateways-benchmark), ported.

Its four subgraphs accounts, inventory, products and reviews (``bench/peers/subgraphs.mjs``, our
own port in graphql-js: same schema, data and quirks), behind the replay server
(``bench/peers/replay.mjs``), which answers every distinct subgraph request from a record after
the first time, so that the gateway is what is measured. Its supergraph
(``bench/workload/supergraph.graphql``, only the subgraph URLs pointed at the replay server) and
its query (``bench/workload/query.graphql``, the k6 script's, unchanged), plus the same query
without ``shippingEstimate`` (the one field with ``@requires``). Each gateway is pinned to CPU 1;
wrk, the replay server and the subgraphs share CPU 0. Every gateway's answer is compared with
Hive Gateway's (as the benchmark configures it) before it is loaded, at 50 connections (the
benchmark's 50 virtual users) and at 1.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.load import get_json
from bench.measure import PEERS, ROOT, Answer, GatewaySpec, check, ensure_jwt_secret, measure, post_raw, start_gateway
from bench.processes import Measured, free_port, started

__all__ = ["QUERIES", "public_gateways", "run_public"]

WORKLOAD = ROOT / "bench" / "workload"
GATEWAY_CPU, LOAD_CPU = "1", "0"
SUBGRAPHS = ("accounts", "inventory", "products", "reviews")
OFFICIAL = (WORKLOAD / "query.graphql").read_text(encoding="utf-8")
WITHOUT_SHIPPING = OFFICIAL.replace("      shippingEstimate\n", "")
QUERIES = {"official query": OFFICIAL, "without shippingEstimate": WITHOUT_SHIPPING}
HIVE_VERSION, APOLLO_VERSION = "@graphql-hive/gateway 2.15.1", "@apollo/gateway 2.14.4 on @apollo/server 5.5.1"


def ours_env(port: int, supergraph: Path) -> dict[str, str]:
    """Our gateway on a supergraph file: edge limits as deployed except the cost limit (raised for deep queries) and rate limits (off)."""
    return {
        "GATEWAY_PORT": str(port),
        "SUPERGRAPH_FILE": str(supergraph),
        "RATE_LIMIT": "",
        "RATE_LIMIT_PER_ADDRESS": "",
        "MAX_COST": "1000000",
        "LOG_LEVEL": "WARNING",
        "GRAPHQL_IDE": "false",
    }


def public_gateways(supergraph: Path, port: int) -> list[GatewaySpec]:
    """Every gateway of the public workload, each configured as its maintainers configure it for this benchmark."""
    hive = [str(PEERS / "node_modules" / ".bin" / "hive-gateway"), "supergraph", str(supergraph), "--host", "127.0.0.1"]
    hive += ["--port", str(port), "--jit"]
    production = {"NODE_ENV": "production"}
    ours = [sys.executable, "-m", "services", "serve", "gateway"]
    return [
        GatewaySpec(
            "hive",
            hive,
            production,
            PEERS / "hive-benchmark",
            f"{HIVE_VERSION}, as the public benchmark runs it: NODE_ENV=production hive-gateway supergraph <file> --jit, "
            "gateway.config.ts {inboundInflightRequestDeduplication: true, jit: true}",
        ),
        GatewaySpec(
            "hive-nodedup",
            hive,
            production,
            PEERS / "hive-benchmark-nodedup",
            f"{HIVE_VERSION}, the same without inbound deduplication: gateway.config.ts {{inboundInflightRequestDeduplication: false, jit: true}} "
            "(its HTTP executor still shares identical subgraph queries in flight, as by default)",
        ),
        GatewaySpec(
            "apollo",
            ["node", "apollo-benchmark.mjs", str(supergraph), str(port)],
            production,
            PEERS,
            f"{APOLLO_VERSION}, as the public benchmark runs it: new ApolloGateway({{supergraphSdl}}), new ApolloServer({{gateway}}), "
            "startStandaloneServer, NODE_ENV=production (one process: availableParallelism() − 1 = 0 cluster workers on one CPU)",
        ),
        GatewaySpec(
            "renling",
            ours,
            ours_env(port, supergraph),
            ROOT,
            "ours: python -m services serve gateway, SUPERGRAPH_FILE, in-flight deduplication on (its default), rate limits off, MAX_COST=10⁶",
        ),
        GatewaySpec(
            "renling-nodedup",
            ours,
            ours_env(port, supergraph) | {"DEDUP_INBOUND": "false"},
            ROOT,
            "ours without inbound deduplication (DEDUP_INBOUND=false), identical subgraph requests in flight still shared, as Hive's are",
        ),
    ]


def pointed_at(replay_port: int, into: Path) -> Path:
    """The benchmark's supergraph with each subgraph's URL pointed at the replay server; nothing else changed."""
    text = (WORKLOAD / "supergraph.graphql").read_text(encoding="utf-8")

    def url(match: re.Match[str]) -> str:
        return f'@join__graph(name: "{match[1]}", url: "http://127.0.0.1:{replay_port}/{match[1]}")'

    pointed, count = re.subn(r'@join__graph\(name: "(\w+)", url: "[^"]*"\)', url, text)
    if count != len(SUBGRAPHS):
        raise RuntimeError(f"expected {len(SUBGRAPHS)} subgraph URLs in the supergraph, found {count}")
    supergraph = into / "supergraph.graphql"
    supergraph.write_text(pointed, encoding="utf-8")
    return supergraph


@contextmanager
def subgraphs_with_replay(logs: Path) -> Iterator[tuple[Measured, int]]:
    """The four subgraphs and the replay server in front of them, both on the load CPU."""
    port, replay_port = free_port(), free_port()
    upstreams = [f"{name}=http://127.0.0.1:{port}/{name}" for name in SUBGRAPHS]
    with ExitStack() as stack:
        subgraphs = stack.enter_context(
            started("subgraphs", ["node", "subgraphs.mjs", str(port)], port=port, cwd=PEERS, cpus=LOAD_CPU, log=logs / "subgraphs.log")
        )
        stack.enter_context(
            started("replay", ["node", "replay.mjs", str(replay_port), *upstreams], port=replay_port, cwd=PEERS, cpus=LOAD_CPU)
        )
        yield subgraphs, replay_port


def _body(query: str) -> dict[str, Any]:
    return {"query": query}


def run_public(
    *, seconds: int, connections: tuple[int, ...] = (50, 1), only: set[str] | None = None, report: Callable[[str], None] = print
) -> list[dict[str, Any]]:
    """Every gateway, both queries, each number of connections: one row each (answer verdict, then figures if it was right)."""
    ensure_jwt_secret()
    rows: list[dict[str, Any]] = []
    references: dict[str, bytes | None] = dict.fromkeys(QUERIES)
    with tempfile.TemporaryDirectory(prefix="renling-public-") as folder:
        logs = Path(folder)
        with subgraphs_with_replay(logs) as (subgraphs, replay_port):
            supergraph = pointed_at(replay_port, logs)
            replay_url = f"http://127.0.0.1:{replay_port}/stats"
            others = {"replay": lambda: float(get_json(replay_url)["cpu_s"]), "subgraphs": subgraphs.cpu_s}

            def replay_requests() -> int:
                stats = get_json(replay_url)
                return int(stats["hits"]) + int(stats["misses"])

            for spec in public_gateways(supergraph, port := free_port()):
                if only and spec.name not in only:
                    continue
                report(f"{spec.name}: {spec.configuration}")
                url = f"http://127.0.0.1:{port}/graphql"
                with ExitStack() as running:
                    process = start_gateway(running, spec, port=port, cpus=GATEWAY_CPU, log=logs / f"{spec.name}.log")
                    for query_name, query in QUERIES.items():
                        body = _body(query)
                        payload = json.dumps(body, separators=(",", ":")).encode()
                        if isinstance(process, str):
                            answer = Answer(0, b"", f"WRONG: {process}", False)
                        else:
                            answer = check(*post_raw(url, payload), references[query_name])
                        if answer.correct and references[query_name] is None:
                            references[query_name] = answer.raw
                        for count in connections:
                            row: dict[str, Any] = {
                                "gateway": spec.name,
                                "query": query_name,
                                "connections": count,
                                "answer": answer.verdict,
                                "response_bytes": len(answer.raw),
                            }
                            if answer.correct and not isinstance(process, str):
                                row |= measure(
                                    process,
                                    url,
                                    body,
                                    authorization="",
                                    seconds=seconds,
                                    connections=count,
                                    load_cpus=LOAD_CPU,
                                    others=others,
                                    subgraph_requests=replay_requests,
                                )
                                row["answer_after_load"] = check(*post_raw(url, payload), references[query_name]).verdict
                            else:
                                row["not_measured"] = "its answer is wrong (see answer)"
                            rows.append(row)
                            report(f"  {spec.name:<16} {query_name:<26} c={count:<3} {json.dumps(row, ensure_ascii=False)}")
            stats = get_json(replay_url)
            report(f"replay: {stats['hits']} answered from the record, {stats['misses']} forwarded, {stats['errors']} errors")
    print_ratios(rows, report)
    return rows


def print_ratios(rows: list[dict[str, Any]], report: Callable[[str], None] = print) -> None:
    """Ours against each peer, query by query and connections by connections, where both were measured."""
    measured = {(row["gateway"], row["query"], row["connections"]): row for row in rows if "rps" in row}
    for (gateway, query, count), row in measured.items():
        if gateway.startswith("renling"):
            continue
        mine = measured.get(("renling", query, count))
        if mine is None:
            report(f"  renling / {gateway:<13} {query:<26} c={count:<3} ours not measured (its answer is wrong)")
            continue
        report(
            f"  renling / {gateway:<13} {query:<26} c={count:<3} RPS ×{mine['rps'] / max(row['rps'], 1):.2f}   "
            f"p95 ×{mine['p95_ms'] / max(row['p95_ms'], 0.001):.2f}   peak memory ×{mine['peak_mib'] / max(row['peak_mib'], 1):.2f}"
        )


def main() -> None:
    """``python -m bench.public [--seconds N] [--connections 50,1] [--only hive,renling]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.public")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", default="50,1", help="comma-separated connection counts")
    parser.add_argument("--only", default="", help="comma-separated gateway names (default: all)")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name} or None
    run_public(seconds=args.seconds, connections=tuple(int(count) for count in args.connections.split(",")), only=only)


if __name__ == "__main__":
    main()
