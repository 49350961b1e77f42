"""The ``renling`` command: development tokens, and ``up`` running the platform like `make up`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import httpx
import pytest

from services.cli import main
from services.common.identity import Role, TokenVerifier
from services.common.settings import Settings


async def test_token_command_prints_a_token_that_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "--role", "community_staff", "--community", "c1", "--community", "c2", "--subject", "staff-9"])

    principal = await TokenVerifier(Settings()).verify(capsys.readouterr().out.strip())

    assert principal.subject == "staff-9"
    assert principal.roles == frozenset({Role.COMMUNITY_STAFF})
    assert principal.communities == frozenset({"c1", "c2"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_up_serves_the_demo_prints_console_and_tokens_and_stops_on_ctrl_c() -> None:
    port, orgs_port, claims_port, gateway_port = _free_port(), _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "NEEDS_PORT": str(port),
        "ORGS_PORT": str(orgs_port),
        "CLAIMS_PORT": str(claims_port),
        "GATEWAY_PORT": str(gateway_port),
        "EVENTS_PORT": str(_free_port()),
        "MONGODB_URL": "memory://",
        "AMQP_URL": "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services", "up", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(30):
            while not printed or "Ctrl-C" not in printed[-1]:
                printed.append((await process.stdout.readline()).decode())
        banner = "".join(printed)
        assert f"http://127.0.0.1:{port}/graphql" in banner
        assert f"http://127.0.0.1:{orgs_port}/graphql" in banner
        assert f"http://127.0.0.1:{claims_port}/graphql" in banner
        assert f"http://127.0.0.1:{gateway_port}/graphql" in banner
        staff_token = next(line.split()[-1] for line in printed if line.strip().startswith("community_staff"))
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ needs { totalCount } }"},
                headers={"authorization": f"Bearer {staff_token}"},
            )
            organizations = await client.post(
                f"http://127.0.0.1:{orgs_port}/graphql",
                json={"query": '{ community(id: "community-zuoanpuyuan") { organizationStats(asOf: "2019-12-31") { total } } }'},
                headers={"authorization": f"Bearer {staff_token}"},
            )
            federated = await client.post(
                f"http://127.0.0.1:{gateway_port}/graphql",
                json={
                    "query": '{ community(id: "community-zuoanpuyuan") { name needStats { total } organizationStats(asOf: "2015-12-31") { total } } }'
                },
                headers={"authorization": f"Bearer {staff_token}"},
            )
            console = await client.get(f"http://127.0.0.1:{gateway_port}/graphql", headers={"accept": "text/html"})
        assert response.json()["data"]["needs"]["totalCount"] == 5 + 9  # the article's five needs and one behind each demo item
        assert federated.json()["data"]["community"] == {
            "name": "左安浦园社区",
            "needStats": {"total": 5 + 9},
            "organizationStats": {"total": 11},
        }
        assert "graphiql" in console.text.lower()
        assert organizations.json()["data"]["community"]["organizationStats"]["total"] == 17
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            code = await process.wait()
    assert code in (0, 130)
