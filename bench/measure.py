"""What the gateway benchmarks share: how each gateway is started, its answer checked, its load measured.

A gateway's answer is checked before it is loaded: the exact bytes of its response against the
reference gateway's, then (if they differ) the parsed JSON. A gateway whose answer differs, or
that answers with errors, is not loaded: its row says why instead (an RPS of wrong answers would
mean nothing). CPU is measured for everything on the machine that takes part: the gateway, the
subgraph side (replay server and whatever stands behind it), wrk, and the whole machine (both
cores, which shows what else ran at the same time).
"""

from __future__ import annotations

import json
import os
import resource
import secrets
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.load import wrk
from bench.processes import Measured, started

__all__ = ["Answer", "GatewaySpec", "check", "ensure_jwt_secret", "machine_busy_s", "measure", "post_raw", "start_gateway"]

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / "peers"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class GatewaySpec:
    """How one gateway (in one configuration) is started; ``configuration`` is printed with its figures."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    configuration: str


@dataclass(frozen=True)
class Answer:
    """A gateway's answer to one operation and how it compares with the reference's."""

    status: int
    raw: bytes
    verdict: str
    correct: bool


def ensure_jwt_secret() -> None:
    """Give the processes of this run a random JWT secret: the services refuse the development one when run alone."""
    from services.common.settings import DEV_JWT_SECRET

    if os.environ.get("JWT_SECRET", DEV_JWT_SECRET) == DEV_JWT_SECRET:
        os.environ["JWT_SECRET"] = secrets.token_hex(32)


def start_gateway(stack: ExitStack, spec: GatewaySpec, *, port: int, cpus: str, log: Path) -> Measured | str:
    """Start ``spec`` until ``stack`` closes; a gateway that does not start gives why (its rows say so) instead of stopping the run."""
    try:
        return stack.enter_context(started(spec.name, spec.command, port=port, env=spec.env, cwd=spec.cwd, cpus=cpus, log=log))
    except (RuntimeError, TimeoutError) as error:
        tail = log.read_text(encoding="utf-8", errors="replace")[-600:] if log.exists() else ""
        return f"did not start: {error}; its log ends: {tail}"


def post_raw(url: str, body: bytes, *, authorization: str = "", timeout_s: float = 30.0) -> tuple[int, bytes]:
    """One POST of a JSON body; the status and the exact bytes of the answer (never raises on a status)."""
    headers = {"content-type": "application/json"} | ({"authorization": authorization} if authorization else {})
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as error:
        return 0, repr(error).encode()
    return response.status_code, response.content


def check(status: int, raw: bytes, reference: bytes | None) -> Answer:
    """Compare an answer with the reference's: exact bytes, else bytes but a final newline, else parsed JSON."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return Answer(status, raw, f"WRONG: HTTP {status}, not JSON: {raw[:200]!r}", False)
    if status != 200 or not isinstance(parsed, dict) or parsed.get("errors") or not parsed.get("data"):
        errors = parsed.get("errors") if isinstance(parsed, dict) else None
        first = (
            json.dumps(errors[0], ensure_ascii=False)[:300] if isinstance(errors, list) and errors else raw[:300].decode(errors="replace")
        )
        count = len(errors) if isinstance(errors, list) else 0
        return Answer(status, raw, f"WRONG: HTTP {status}, {count} errors, first: {first}", False)
    if reference is None or raw == reference:
        return Answer(status, raw, "reference" if reference is None else "identical bytes", True)
    if raw.rstrip() == reference.rstrip():
        return Answer(status, raw, "identical bytes but the final newline", True)
    if parsed == json.loads(reference):
        return Answer(status, raw, "same parsed JSON (bytes differ)", True)
    return Answer(status, raw, f"WRONG: data differs from the reference ({len(raw)} bytes against {len(reference)})", False)


def machine_busy_s() -> float:
    """CPU seconds all cores of the machine have spent busy since boot (``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / _TICKS


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    gateway: Measured,
    url: str,
    body: dict[str, Any],
    *,
    authorization: str,
    seconds: int,
    connections: int,
    load_cpus: str,
    others: Mapping[str, Callable[[], float]],
    subgraph_requests: Callable[[], int] | None = None,
    warm_up_s: int = 2,
) -> dict[str, Any]:
    """Warm up, then load ``url`` with ``body`` for ``seconds``; RPS, latency percentiles, peak memory, CPU of everything (% of one core).

    With ``subgraph_requests`` (a counter of the requests the subgraph side received), also the
    subgraph requests per answer: the fetches of one plan at 1 connection, fewer at 50 when the
    gateway shares work between identical requests in flight.
    """
    wrk(url, body, authorization=authorization, seconds=warm_up_s, connections=connections, cpus=load_cpus)
    before = {name: read() for name, read in others.items()}
    sent = subgraph_requests() if subgraph_requests else 0
    gateway_cpu, machine, load = gateway.cpu_s(), machine_busy_s(), _children_cpu_s()
    result = wrk(url, body, authorization=authorization, seconds=seconds, connections=connections, cpus=load_cpus)
    load_cpu, machine_cpu = _children_cpu_s() - load, machine_busy_s() - machine
    fetches: dict[str, float] = {}
    if subgraph_requests is not None and result.requests:
        fetches["subgraph_requests_per_answer"] = round((subgraph_requests() - sent) / result.requests, 2)

    def share(cpu_s: float) -> int:
        return round(100 * cpu_s / seconds)

    gateway_cpu = gateway.cpu_s() - gateway_cpu
    return {
        **result.row(),
        "errors": result.errors,
        "peak_mib": round(gateway.peak_rss_mib()),
        "gateway_cpu_pct": share(gateway_cpu),
        "gateway_cpu_ms_per_answer": round(1000 * gateway_cpu / max(result.requests, 1), 2),
        **{f"{name}_cpu_pct": share(read() - before[name]) for name, read in others.items()},
        "wrk_cpu_pct": share(load_cpu),
        "machine_cpu_pct": share(machine_cpu),
        **fetches,
    }
