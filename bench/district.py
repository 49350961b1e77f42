"""District scale: 500 communities, 100 000 needs, 20 000 items, 10 000 organizations.

The platform (``bench.platform``: the four services on ``memory://`` and the in-process bus,
as ``make up`` runs them) loads the district through the services' commands; our gateway then
composes over it. Dashboards and lists are sent through the gateway by wrk at a few connections;
printed: p50/p95/p99 and requests per second with one request at a time (what one administrator sees) and with
four at a time (what four see at once), start-up and load times, each process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.dataset import DISTRICT_ID, District
from bench.gateways import DASHBOARD, wait_for_line
from bench.load import post_json, wrk
from bench.measure import ROOT, ensure_jwt_secret
from bench.processes import free_port, started
from services.common.identity import Role, mint_token
from services.common.settings import Settings

__all__ = ["QUERIES", "run_district"]

HOME = "community-b123"
NEEDS_OF_DISTRICT = """
query DistrictNeeds {
  needs(first: 20, filter: { statuses: [SUBMITTED, UNDER_REVIEW] }) {
    totalCount
    edges { cursor node { id title status category supportCount createdAt community { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ITEMS_OF_DISTRICT = """
query DistrictItems {
  serviceItems(first: 20, filter: { statuses: [PUBLISHED] }) {
    totalCount
    edges { node { id title kind status totalFen slotsLeft community { name } claims { status organization { name } } } }
  }
}
"""
COMMUNITY_PAGE = """
query CommunityPage($community: ID!) {
  community(id: $community) {
    name
    street { name }
    needStats { total open byStatus { status count } }
    claimStats { total byStatus { status count } }
    organizationStats { total byKind { kind count } }
    needs(first: 20, sort: MOST_SUPPORTED) { totalCount edges { node { id title status supportCount } } }
    serviceItems(first: 10) { totalCount edges { node { id title status claims { status } } } }
    organizations(first: 10, filter: { text: "第1" }) { totalCount edges { node { id name stage memberCount } } }
  }
}
"""
STAFF_NEEDS = """
query StaffNeeds($community: ID!) {
  needs(first: 50, filter: { communityIds: [$community], statuses: [SUBMITTED] }) {
    totalCount edges { node { id title category targetGroups supportCount createdAt } }
  }
}
"""


@dataclass(frozen=True)
class Query:
    """A benchmarked read and who sends it."""

    name: str
    query: str
    role: str
    variables: dict[str, Any]


QUERIES = (
    Query("district dashboard (25 streets, 500 communities)", DASHBOARD, "admin", {"district": DISTRICT_ID}),
    Query("district needs list (100 000 needs, filtered, newest first)", NEEDS_OF_DISTRICT, "admin", {}),
    Query("district items list (published, with claims)", ITEMS_OF_DISTRICT, "admin", {}),
    Query("community page (stats + three lists)", COMMUNITY_PAGE, "staff", {"community": HOME}),
    Query("staff needs list (one community)", STAFF_NEEDS, "staff", {"community": HOME}),
)


def _tokens() -> dict[str, str]:
    settings = Settings()
    return {
        "admin": "Bearer " + mint_token(settings, subject="bench-admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT_ID]),
        "staff": "Bearer " + mint_token(settings, subject="bench-staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME]),
    }


def run_district(district: District, *, seconds: int, connections: int, report: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the district, measure every query through the gateway, print and return the figures."""
    ensure_jwt_secret()
    ports = {name: free_port() for name in ("needs", "claims", "orgs", "events", "gateway")}
    env = {f"{name.upper()}_PORT": str(port) for name, port in ports.items()} | {"LOG_LEVEL": "WARNING"}
    sizes = district.arguments()
    tokens = _tokens()
    figures: dict[str, Any] = {"queries": {}}
    with tempfile.TemporaryDirectory(prefix="renling-district-") as folder:
        logs = Path(folder)
        with started(
            "platform", [sys.executable, "-m", "bench.platform", *sizes], port=ports["events"], env=env, cwd=ROOT, log=logs / "p.log"
        ) as platform:
            loaded = wait_for_line(logs / "p.log", "BENCH ", platform, within_s=1800)
            figures["platform"] = loaded | {"started_s": round(platform.started_in_s, 2)}
            report(
                f"platform: listening in {platform.started_in_s:.1f} s; district loaded in {loaded['loaded_s']} s {json.dumps(loaded['load_s'])}"
            )
            # wrk sends one token from every connection; administrators at once have a token each, and
            # requests with different tokens never share work, so deduplication is off here.
            gateway_env = env | {"RATE_LIMIT": "", "RATE_LIMIT_PER_ADDRESS": "", "GRAPHQL_IDE": "false", "DEDUP_INBOUND": "false"}
            gateway_env |= {"DEDUP_OUTBOUND": "false"}
            command = [sys.executable, "-m", "services", "serve", "gateway"]
            with started("gateway", command, port=ports["gateway"], env=gateway_env, cwd=ROOT, log=logs / "g.log") as gateway:
                url = f"http://127.0.0.1:{ports['gateway']}/graphql"
                figures["gateway_started_s"] = round(gateway.started_in_s, 2)
                report(f"gateway: composed and listening in {gateway.started_in_s:.1f} s")
                for query in QUERIES:
                    body = {"query": query.query, "variables": query.variables}
                    answer = post_json(url, body, authorization=tokens[query.role], timeout_s=120)
                    if answer.get("errors") or not answer.get("data"):
                        raise RuntimeError(f"{query.name}: {json.dumps(answer, ensure_ascii=False)[:1500]}")
                    wrk(url, body, authorization=tokens[query.role], seconds=2, connections=1)
                    row: dict[str, Any] = {"response_bytes": len(json.dumps(answer, ensure_ascii=False).encode())}
                    for users in sorted({1, connections}):
                        result = wrk(url, body, authorization=tokens[query.role], seconds=seconds, connections=users)
                        row[f"{users} at a time"] = result.row() | {"errors": result.errors}
                    figures["queries"][query.name] = row
                    report(f"  {query.name:<62} {json.dumps(row)}")
                figures["peak_mib"] = {"platform": round(platform.peak_rss_mib()), "gateway": round(gateway.peak_rss_mib())}
                report(f"peak memory (MiB): {json.dumps(figures['peak_mib'])}")
    return figures


def main() -> None:
    """``python -m bench.district``."""
    parser = argparse.ArgumentParser(prog="python -m bench.district")
    District.add_arguments(parser)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    run_district(District.from_arguments(args), seconds=args.seconds, connections=args.connections)


if __name__ == "__main__":
    main()
