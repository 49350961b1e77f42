"""The load generator: wrk (Debian's package) with ``bench/wrk.lua``, one connection pool per run."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["LoadResult", "get_json", "post_json", "wrk"]

_SCRIPT = Path(__file__).with_name("wrk.lua")


@dataclass(frozen=True)
class LoadResult:
    """Requests per second and latency percentiles of one wrk run."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int

    def row(self) -> dict[str, float]:
        """The figures, rounded for printing."""
        return {"rps": round(self.rps), "p50_ms": round(self.p50_ms, 1), "p95_ms": round(self.p95_ms, 1), "p99_ms": round(self.p99_ms, 1)}


def wrk(url: str, body: dict[str, Any], *, authorization: str, seconds: int, connections: int, cpus: str | None = None) -> LoadResult:
    """POST ``body`` to ``url`` as fast as ``connections`` keep-alive connections allow, for ``seconds``."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(body, file, ensure_ascii=False)
    try:
        command = [
            *(["taskset", "-c", cpus] if cpus else []),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(_SCRIPT),
            url,
        ]
        env = {**os.environ, "BENCH_BODY_FILE": file.name, "BENCH_AUTHORIZATION": authorization}
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(file.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line.removeprefix("BENCH "))
    return LoadResult(
        rps=figures["requests"] / figures["seconds"],
        p50_ms=figures["p50_ms"],
        p95_ms=figures["p95_ms"],
        p99_ms=figures["p99_ms"],
        requests=figures["requests"],
        errors=figures["non2xx"] + figures["socket_errors"],
    )


def post_json(url: str, body: dict[str, Any], *, authorization: str = "", timeout_s: float = 30.0) -> Any:
    """One POST, the decoded JSON answer (for checking responses before loading)."""
    headers = {"authorization": authorization} if authorization else {}
    response = httpx.post(url, json=body, headers=headers, timeout=timeout_s)
    response.raise_for_status()
    return response.json()


def get_json(url: str, *, timeout_s: float = 10.0) -> Any:
    """One GET, the decoded JSON answer."""
    response = httpx.get(url, timeout=timeout_s)
    response.raise_for_status()
    return response.json()
