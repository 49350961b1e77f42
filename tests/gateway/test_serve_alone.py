"""``python -m gateway serve`` runs the gateway without importing the services (only the kernel, ``services.common``)."""

from __future__ import annotations

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
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60)

    assert "LISTENERS ['gateway']" in result.stdout
    assert "SERVICES []" in result.stdout
