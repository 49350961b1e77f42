"""District scale: 500 communities, 100 000 needs, 20 000 items, 10 000 organizations.

The platform (``bench.platform``: the four services on ``memory://`` and the in-process bus,
as ``make up`` runs them) loads the district through the services' commands; our gateway then
composes over it. Every district query the console's district views make (the dashboard, the
needs and items lists, organization statistics, claims and fund statistics) and two community
views are sent through the gateway by wrk; printed: p50/p95/p99 and requests per second with one
request at a time (what one administrator sees) and with eight at a time (``--connections``:
what eight administrators see at once), whether each p95 is under the 100 ms goal, start-up and
load times, each process's peak memory, and the machine's load average before and after.

``python -m bench district`` runs the full district; ``python -m bench.district --communities 50
--needs 10000 --items 2000 --organizations 1000 --seconds 5`` a smaller one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.dataset import DISTRICT_ID, District
from bench.gateways import DASHBOARD, wait_for_line
from bench.load import post_json, wrk
from bench.measure import ROOT, ensure_jwt_secret
from bench.processes import free_port, peak_rss_mib, started, wait_for_port
from services.cli import SERVICES
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
ORGANIZATIONS_OF_DISTRICT = """
query DistrictOrganizations($district: ID!) {
  district(id: $district) {
    organizationStats { total communities byKind { kind count } byPurpose { purpose count } }
    organizationsByYear(fromYear: 2005, toYear: 2026) { asOf total byKind { kind count } }
    streets { name organizationStats { total byKind { kind count } } }
  }
}
"""
FUNDS_OF_DISTRICT = """
query DistrictClaimsAndFunds($district: ID!) {
  district(id: $district) {
    claimStats {
      communities total byStatus { status count } projectsCompleted volunteerHours averageScore
      fundsApproved { fundSource amountFen } fundsDisbursed { fundSource amountFen }
      fundsApprovedByCategory { category amountFen } fundsDisbursedByCategory { category amountFen }
    }
    needStats { plannedFen plannedBySource { fundSource amountFen } plannedByCategory { category amountFen } }
    streets { name claimStats { total fundsDisbursed { fundSource amountFen } } needStats { plannedFen } }
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


GOAL_P95_MS = 100.0
"""Issue 16: every district query p95 < 100 ms with 8 administrators at once."""
QUERIES = (
    Query("district dashboard (every street, every community)", DASHBOARD, "admin", {"district": DISTRICT_ID}),
    Query("district needs list (filtered, newest first)", NEEDS_OF_DISTRICT, "admin", {}),
    Query("district items list (published, with claims)", ITEMS_OF_DISTRICT, "admin", {}),
    Query("district organization stats (per year, per street)", ORGANIZATIONS_OF_DISTRICT, "admin", {"district": DISTRICT_ID}),
    Query("district claims and fund stats (per street)", FUNDS_OF_DISTRICT, "admin", {"district": DISTRICT_ID}),
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
    ports = {name: free_port() for name in (*SERVICES, "gateway")}  # every service the platform runs, none on a default port
    env = {f"{name.upper()}_PORT": str(port) for name, port in ports.items()} | {"LOG_LEVEL": "WARNING"}
    sizes = district.arguments()
    tokens = _tokens()
    figures: dict[str, Any] = {"load_average_before": _load_average()}
    report(f"machine load average (1, 5, 15 min) before: {figures['load_average_before']}")
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
                answers: dict[str, Any] = {}
                figures["queries"] = _measure(url, tokens, seconds, connections, answers, report)
                figures["peak_mib"] = {"platform": round(platform.peak_rss_mib()), "gateway": round(gateway.peak_rss_mib())}
                report(f"peak memory (MiB): {json.dumps(figures['peak_mib'])}")
                report("split: one process per service group (as deployed), forked from the loaded platform")
                platform.process.send_signal(signal.SIGUSR1)
                children = wait_for_line(logs / "p.log", "SPLIT ", platform, within_s=120)["processes"]
                for name in SERVICES:
                    wait_for_port(ports[name], within_s=120)
                figures["split_processes"] = sorted(children)
                figures["queries_split"] = _measure(url, tokens, seconds, connections, answers, report)
                figures["peak_mib_split"] = {group: round(peak_rss_mib(pid)) for group, pid in children.items()}
                report(f"peak memory of each process of the split platform (MiB): {json.dumps(figures['peak_mib_split'])}")
    figures["load_average_after"] = _load_average()
    report(f"machine load average (1, 5, 15 min) after: {figures['load_average_after']}")
    report("one process (as make up runs it):")
    _report_goal(figures["queries"], connections, report)
    report("one process per service group (as deployed):")
    _report_goal(figures["queries_split"], connections, report)
    return figures


def _measure(
    url: str, tokens: dict[str, str], seconds: int, connections: int, answers: dict[str, Any], report: Callable[[str], None]
) -> dict[str, Any]:
    """Every query one at a time and ``connections`` at a time; each answer must equal ``answers``' (kept the first time)."""
    rows: dict[str, Any] = {}
    for query in QUERIES:
        body = {"query": query.query, "variables": query.variables}
        answer = _first_answer(url, body, tokens[query.role])
        if answer.get("errors") or not answer.get("data"):
            raise RuntimeError(f"{query.name}: {json.dumps(answer, ensure_ascii=False)[:1500]}")
        if answers.setdefault(query.name, answer) != answer:
            raise RuntimeError(f"{query.name}: the answer differs from the one-process platform's")
        wrk(url, body, authorization=tokens[query.role], seconds=2, connections=1)
        row: dict[str, Any] = {"response_bytes": len(json.dumps(answer, ensure_ascii=False).encode())}
        for users in sorted({1, connections}):
            result = wrk(url, body, authorization=tokens[query.role], seconds=seconds, connections=users)
            met = result.requests > 0 and result.p95_ms < GOAL_P95_MS and not result.errors  # none answered: not met
            row[f"{users} at a time"] = result.row() | {"requests": result.requests, "errors": result.errors, "p95_under_100_ms": met}
        rows[query.name] = row
        report(f"  {query.name:<56} {json.dumps(row)}")
    return rows


def _first_answer(url: str, body: dict[str, Any], authorization: str) -> dict[str, Any]:
    """The answer to ``body``, tried again for a few seconds while the services (re)start behind the gateway."""
    deadline = time.monotonic() + 30
    while True:
        answer: dict[str, Any] = post_json(url, body, authorization=authorization, timeout_s=120)
        if not answer.get("errors") or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def _load_average() -> list[float]:
    """What ``uptime`` prints: the machine's 1, 5 and 15 minute load averages (the machine is shared)."""
    return [round(value, 2) for value in os.getloadavg()]


def _report_goal(queries: dict[str, Any], connections: int, report: Callable[[str], None]) -> None:
    """Query by query: is p95 under 100 ms, with one administrator and with ``connections`` at once."""
    report(f"goal: p95 < {GOAL_P95_MS:.0f} ms")
    for name, row in queries.items():
        verdicts = []
        for users in sorted({1, connections}):
            cell = row[f"{users} at a time"]
            verdicts.append(f"{users} at a time: p95 {cell['p95_ms']} ms {'met' if cell['p95_under_100_ms'] else 'NOT met'}")
        report(f"  {name:<56} {'; '.join(verdicts)}")


def main() -> None:
    """``python -m bench.district``."""
    parser = argparse.ArgumentParser(prog="python -m bench.district")
    District.add_arguments(parser)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=8, help="administrators at once (besides one alone)")
    args = parser.parse_args()
    run_district(District.from_arguments(args), seconds=args.seconds, connections=args.connections)


if __name__ == "__main__":
    main()
