"""The ``renling`` command: development tokens, and ``up`` running the platform like `make up`."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest

from services.cli import main
from services.common.identity import Role, TokenVerifier
from services.common.settings import Settings
from tests.up import SERVICES, platform_up


async def test_token_command_prints_a_token_that_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "--role", "community_staff", "--community", "c1", "--community", "c2", "--subject", "staff-9"])

    principal = await TokenVerifier(Settings()).verify(capsys.readouterr().out.strip())

    assert principal.subject == "staff-9"
    assert principal.roles == frozenset({Role.COMMUNITY_STAFF})
    assert principal.communities == frozenset({"c1", "c2"})


async def test_up_serves_the_demo_prints_console_and_tokens_and_stops_on_ctrl_c() -> None:
    async with platform_up() as up:
        for name in SERVICES:
            assert up.urls[name] in up.banner
        assert set(up.tokens) == {role.value for role in Role}
        staff_token = up.tokens["community_staff"]
        async with httpx.AsyncClient() as client:
            response = await client.post(
                up.urls["needs"],
                json={"query": "{ needs { totalCount } }"},
                headers={"authorization": f"Bearer {staff_token}"},
            )
            organizations = await client.post(
                up.urls["orgs"],
                json={"query": '{ community(id: "community-zuoanpuyuan") { organizationStats(asOf: "2019-12-31") { total } } }'},
                headers={"authorization": f"Bearer {staff_token}"},
            )
            federated = await client.post(
                up.urls["gateway"],
                json={
                    "query": '{ community(id: "community-zuoanpuyuan") { name needStats { total } organizationStats(asOf: "2015-12-31") { total } } }'
                },
                headers={"authorization": f"Bearer {staff_token}"},
            )
            console = await client.get(up.urls["gateway"], headers={"accept": "text/html"})
        assert response.json()["data"]["needs"]["totalCount"] == 5 + 9  # the article's five needs and one behind each demo item
        assert federated.json()["data"]["community"] == {
            "name": "左安浦园社区",
            "needStats": {"total": 5 + 9},
            "organizationStats": {"total": 11},
        }
        assert "graphiql" in console.text.lower()
        assert organizations.json()["data"]["community"]["organizationStats"]["total"] == 17
    assert up.exit_code in (0, 130)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [(None, "development secret"), ("too-short", "shorter than 32 bytes")],
)
@pytest.mark.parametrize("command", [["-m", "services", "serve", "needs"], ["-m", "gateway", "serve"], ["-m", "services.orgs"]])
async def test_a_service_run_alone_refuses_to_start_with_an_insecure_secret(command: list[str], secret: str | None, reason: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "JWT_SECRET"}
    if secret is not None:
        env["JWT_SECRET"] = secret
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(30):
        _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "refusing to start" in stderr.decode()
    assert reason in stderr.decode()
