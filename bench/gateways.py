"""Our gateway beside Hive Gateway and Apollo Gateway, on the same supergraph and subgraphs.

The subgraphs are our three services with a generated district (``bench.platform``), behind a
replay server (``bench/peers/replay.mjs``) that answers each distinct subgraph request from a
record after the first time, so the gateways, not the subgraphs, are what is measured; its CPU
use is printed. The supergraph is composed once, by Apollo's composer, and every gateway loads
that file. Each gateway runs as one process pinned to CPU 1; wrk and the replay server share
CPU 0. Before loading, each gateway's answer to each operation is checked against ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.dataset import DISTRICT_ID, District
from bench.load import get_json, post_json
from bench.measure import PEERS, ROOT, Answer, GatewaySpec, check, ensure_jwt_secret, measure, post_raw, start_gateway
from bench.processes import Measured, free_port, started
from bench.public import APOLLO_VERSION, HIVE_VERSION, ours_env
from services.common.identity import Role, mint_token
from services.common.settings import Settings

__all__ = ["OPERATIONS", "run_gateways"]

SUBGRAPHS = ("needs", "claims", "orgs")
GATEWAY_CPU, LOAD_CPU = "1", "0"

DEEP = """
query Deep($district: ID!) {
  district(id: $district) {
    name
    streets {
      name
      communities {
        name
        needs(first: 10) { totalCount edges { node { id title status category supportCount createdAt } } }
        serviceItems(first: 4) {
          totalCount
          edges { node { id title kind status totalFen slots slotsLeft
            claims { id status submittedAt organization { id name kind stage trackRecord { itemsClaimed projectsCompleted } } } } }
        }
        organizations(first: 5) { totalCount edges { node { id name kind purpose stage foundedOn status memberCount } } }
      }
    }
  }
}
"""
DASHBOARD = """
query Dashboard($district: ID!) {
  district(id: $district) {
    name
    needStats { total open communities byStatus { status count } byCategory { category count } }
    claimStats { communities total byStatus { status count } projectsCompleted volunteerHours averageScore }
    organizationStats { total communities byKind { kind count } byPurpose { purpose count } }
    streets { name needStats { total open } claimStats { total } organizationStats { total } }
  }
}
"""
MUTATION = """
mutation Submit($community: ID!) {
  submitNeed(input: { communityId: $community, idempotencyKey: "bench-mutation", title: "楼道灯坏了", description: "3号楼二层", category: GREEN_GUARDIANS, targetGroups: [EVERYONE] }) {
    need { id status category community { name } }
    errors { code field message }
  }
}
"""


@dataclass(frozen=True)
class Operation:
    """One benchmarked operation, who sends it, and its variables."""

    name: str
    query: str
    role: str
    variables: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body posted."""
        return {"query": self.query, "variables": self.variables}


OPERATIONS = (
    Operation("deep query (3 subgraphs, large response)", DEEP, "admin", {"district": DISTRICT_ID}),
    Operation("district dashboard", DASHBOARD, "admin", {"district": DISTRICT_ID}),
    Operation("mutation (submitNeed)", MUTATION, "resident", {"community": "community-b000"}),
)


@dataclass
class GatewayRun:
    """What one gateway did under one operation."""

    gateway: str
    operation: str
    figures: dict[str, Any]


def _tokens() -> dict[str, str]:
    settings = Settings()
    return {
        "admin": "Bearer " + mint_token(settings, subject="bench-admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT_ID]),
        "resident": "Bearer " + mint_token(settings, subject="bench-resident", roles=[Role.RESIDENT], communities=["community-b000"]),
    }


def own_gateways(supergraph: Path, port: int) -> list[GatewaySpec]:
    """The gateways over our services: Hive Gateway configured as the public benchmark configures it (and without
    deduplication), Apollo Gateway with its defaults, each forwarding the caller's Authorization; ours."""
    hive = [str(PEERS / "node_modules" / ".bin" / "hive-gateway"), "supergraph", str(supergraph), "--host", "127.0.0.1"]
    hive += ["--port", str(port), "--jit"]
    production = {"NODE_ENV": "production"}
    return [
        GatewaySpec(
            "hive",
            hive,
            production,
            PEERS / "hive-renling",
            f"{HIVE_VERSION}: NODE_ENV=production hive-gateway supergraph <file> --jit, gateway.config.ts "
            "{inboundInflightRequestDeduplication: true, jit: true, propagateHeaders: Authorization}",
        ),
        GatewaySpec(
            "hive-nodedup",
            hive,
            production,
            PEERS / "hive-renling-nodedup",
            f"{HIVE_VERSION}: the same without inbound deduplication (inboundInflightRequestDeduplication: false)",
        ),
        GatewaySpec(
            "apollo",
            ["node", "apollo.mjs", str(supergraph), str(port)],
            production | {"APOLLO_TELEMETRY_DISABLED": "1"},
            PEERS,
            f"{APOLLO_VERSION}: new ApolloGateway({{supergraphSdl, buildService: Authorization forwarded by willSendRequest}}), "
            "new ApolloServer({gateway, introspection: false}), startStandaloneServer, NODE_ENV=production",
        ),
        GatewaySpec(
            "renling",
            [sys.executable, "-m", "services", "serve", "gateway"],
            ours_env(port, supergraph),
            ROOT,
            "ours: python -m services serve gateway, SUPERGRAPH_FILE, in-flight deduplication on (its default), rate limits off, MAX_COST=10⁶",
        ),
    ]


def _compose(platform_ports: dict[str, int], replay_port: int, into: Path) -> Path:
    """The services' SDLs, pointed at the replay server, composed by Apollo's composer."""
    subgraphs = []
    for name in SUBGRAPHS:
        answer = post_json(f"http://127.0.0.1:{platform_ports[name]}/graphql", {"query": "{ _service { sdl } }"})
        subgraphs.append({"name": name, "url": f"http://127.0.0.1:{replay_port}/{name}", "sdl": answer["data"]["_service"]["sdl"]})
    composed = subprocess.run(["node", "compose.mjs"], input=json.dumps(subgraphs), cwd=PEERS, capture_output=True, text=True, check=False)
    if composed.returncode:
        raise RuntimeError("composition failed:\n" + composed.stderr)
    supergraph = into / "supergraph.graphql"
    supergraph.write_text(composed.stdout, encoding="utf-8")
    return supergraph


@contextmanager
def subgraphs_with_replay(district: list[str], logs: Path) -> Iterator[tuple[Measured, Measured, Path, int]]:
    """The platform with a generated district, the replay server in front of it, and the composed supergraph."""
    ports = {name: free_port() for name in (*SUBGRAPHS, "events", "notices", "people", "disclosure", "audit", "evidence")}
    env = {f"{name.upper()}_PORT": str(port) for name, port in ports.items()} | {"LOG_LEVEL": "WARNING"}
    replay_port = free_port()
    with ExitStack() as stack:
        platform = stack.enter_context(
            started(
                "platform",
                [sys.executable, "-m", "bench.platform", *district],
                port=ports["events"],
                env=env,
                cwd=ROOT,
                log=logs / "platform.log",
            )
        )
        wait_for_line(logs / "platform.log", "BENCH ", platform)
        upstreams = [f"{name}=http://127.0.0.1:{ports[name]}/graphql" for name in SUBGRAPHS]
        replay = stack.enter_context(
            started("replay", ["node", "replay.mjs", str(replay_port), *upstreams], port=replay_port, cwd=PEERS, cpus=LOAD_CPU)
        )
        _prime_mutation(ports["needs"])
        yield platform, replay, _compose(ports, replay_port, logs), replay_port


def _prime_mutation(needs_port: int) -> None:
    """Submit the benchmarked need once beforehand: the idempotency key then makes every later submission return it."""
    answer = post_json(
        f"http://127.0.0.1:{needs_port}/graphql",
        {"query": MUTATION.replace("community { name }", ""), "variables": OPERATIONS[2].variables},
        authorization=_tokens()["resident"],
    )
    if answer.get("errors") or answer["data"]["submitNeed"]["errors"]:
        raise RuntimeError(f"priming the mutation failed: {answer}")


def wait_for_line(log: Path, prefix: str, process: Measured, *, within_s: float = 900.0) -> dict[str, Any]:
    """The JSON after ``prefix`` on the first line of ``log`` that starts with it."""
    began = time.perf_counter()
    while time.perf_counter() - began < within_s:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(prefix):
                figures: dict[str, Any] = json.loads(line.removeprefix(prefix))
                return figures
        if process.process.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    raise TimeoutError(f"{process.name} printed no {prefix!r} within {within_s} s")


def _replay_cpu(replay_port: int) -> float:
    return float(get_json(f"http://127.0.0.1:{replay_port}/stats")["cpu_s"])


def run_gateways(
    *, seconds: int, connections: int, district: list[str], only: set[str] | None = None, report: Callable[[str], None] = print
) -> list[GatewayRun]:
    """Every gateway under every operation; the figures (or why a gateway was not loaded), and a printed table."""
    ensure_jwt_secret()
    tokens = _tokens()
    runs: list[GatewayRun] = []
    references: dict[str, bytes | None] = {operation.name: None for operation in OPERATIONS}
    with tempfile.TemporaryDirectory(prefix="renling-bench-") as folder:
        logs = Path(folder)
        with subgraphs_with_replay(district, logs) as (platform, _replay, supergraph, replay_port):
            report(f"subgraphs: platform pid {platform.process.pid} (district {' '.join(district)}), replay on CPU {LOAD_CPU}")
            others = {"replay": lambda: _replay_cpu(replay_port), "platform": platform.cpu_s}

            def replay_requests() -> int:
                stats = get_json(f"http://127.0.0.1:{replay_port}/stats")
                return int(stats["hits"]) + int(stats["misses"])

            for spec in own_gateways(supergraph, port := free_port()):
                if only and spec.name not in only:
                    continue
                report(f"{spec.name}: {spec.configuration}")
                url = f"http://127.0.0.1:{port}/graphql"
                with ExitStack() as running:
                    process = start_gateway(running, spec, port=port, cpus=GATEWAY_CPU, log=logs / f"{spec.name}.log")
                    for operation in OPERATIONS:
                        authorization = tokens[operation.role]
                        payload = json.dumps(operation.body()).encode()
                        if isinstance(process, str):
                            answer = Answer(0, b"", f"WRONG: {process}", False)
                        else:
                            answer = check(*post_raw(url, payload, authorization=authorization), references[operation.name])
                        if answer.correct and references[operation.name] is None:
                            references[operation.name] = answer.raw
                        figures: dict[str, Any] = {"answer": answer.verdict, "response_bytes": len(answer.raw)}
                        if answer.correct and not isinstance(process, str):
                            figures |= measure(
                                process,
                                url,
                                operation.body(),
                                authorization=authorization,
                                seconds=seconds,
                                connections=connections,
                                load_cpus=LOAD_CPU,
                                others=others,
                                subgraph_requests=replay_requests,
                            )
                            after = post_raw(url, payload, authorization=authorization)
                            figures["answer_after_load"] = check(*after, references[operation.name]).verdict
                        else:
                            figures["not_measured"] = "its answer is wrong (see answer)"
                        runs.append(GatewayRun(spec.name, operation.name, figures))
                        report(f"  {spec.name:<13} {operation.name:<42} {json.dumps(figures, ensure_ascii=False)}")
            stats = get_json(f"http://127.0.0.1:{replay_port}/stats")
            report(f"replay: {stats['hits']} answered from the record, {stats['misses']} forwarded, {stats['errors']} errors")
    return runs


def main() -> None:
    """``python -m bench.gateways``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.gateways")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--only", default="", help="comma-separated gateway names (default: all)")
    args = parser.parse_args()
    size = args.communities
    district = District(communities=size, needs=size * 200, items=size * 40, organizations=size * 20).arguments()
    only = {name for name in args.only.split(",") if name} or None
    run_gateways(seconds=args.seconds, connections=args.connections, district=district, only=only)


if __name__ == "__main__":
    main()
