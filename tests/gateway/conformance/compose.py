"""Compose every case's ``supergraph.graphql`` with ``@apollo/composition`` (needs node and ``bench/peers`` installed).

Run once after changing a case's subgraph SDLs: ``.venv/bin/python -m tests.gateway.conformance.compose [case…]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).parent
COMPOSER = CASES.parents[2] / "bench" / "peers" / "compose.mjs"


def compose(folder: Path) -> None:
    """Write ``folder/supergraph.graphql`` from its subgraph SDLs."""
    subgraphs = [
        {"name": path.stem, "url": f"http://{path.stem}/graphql", "sdl": path.read_text()}
        for path in sorted(folder.glob("*.graphql"))
        if path.stem != "supergraph"
    ]
    result = subprocess.run(["node", str(COMPOSER)], input=json.dumps(subgraphs), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{folder.name}: {result.stderr}")
    (folder / "supergraph.graphql").write_text(result.stdout)


def main() -> None:
    """Compose the named cases, or all."""
    names = sys.argv[1:] or sorted(p.name for p in CASES.iterdir() if p.is_dir() and any(p.glob("*.graphql")))
    for name in names:
        compose(CASES / name)
        print(f"composed {name}")


if __name__ == "__main__":
    main()
