"""``python -m gateway``: ``serve`` runs the gateway without importing the services (only the kernel), ``plan`` prints a plan."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
import services.common.serve as serve

async def served(listeners, **_):
    print("LISTENERS", [listener.name for listener in listeners])

serve.serve_all = served
import gateway.__main__ as main
from gateway.settings import GatewaySettings
main._serve(GatewaySettings())
print("SERVICES", sorted(m for m in sys.modules if m.startswith("services.") and not m.startswith("services.common")))
"""


def test_serve_imports_only_the_kernel_of_services() -> None:
    env = {**os.environ, "JWT_SECRET": "a-deployment-secret-of-at-least-32-bytes"}  # run alone: a real secret
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60, env=env)

    assert "LISTENERS ['gateway']" in result.stdout
    assert "SERVICES []" in result.stdout


def test_plan_prints_the_fetch_graph_of_an_operation() -> None:
    supergraph = "tests/gateway/conformance/requires/supergraph.graphql"
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "plan", "--supergraph", supergraph, "--query", "{ cheapest { tax } }"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    lines = result.stdout.splitlines()
    assert lines[0] == "QueryPlan (query) {"
    assert lines[1].startswith("  Fetch #0 [shipping] { cheapest {")
    assert "Fetch #3 [tax] after #0, #1, #2 at cheapest: _entities ... on Product { tax } <- { __typename id shipping }" in result.stdout


def test_plan_refuses_what_cannot_be_planned_with_the_reason() -> None:
    supergraph = "tests/gateway/conformance/requires/supergraph.graphql"
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "plan", "--supergraph", supergraph, "--query", "{ nothing }"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode != 0
    assert "Cannot query field 'nothing'" in result.stderr
