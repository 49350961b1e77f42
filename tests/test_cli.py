"""The ``renling`` command: development tokens, and ``up`` running the platform like `make up`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest

from services.cli import main
from services.common.identity import Role, TokenVerifier
from services.common.identity import mint_token as mint
from services.common.settings import Settings
from services.demo import HOME, demo_organization_id
from tests.up import SERVICES, platform_up


async def test_token_command_prints_a_token_that_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "--role", "community_staff", "--community", "c1", "--community", "c2", "--subject", "staff-9"])

    principal = await TokenVerifier(Settings()).verify(capsys.readouterr().out.strip())

    assert principal.subject == "staff-9"
    assert principal.roles == frozenset({Role.COMMUNITY_STAFF})
    assert principal.communities == frozenset({"c1", "c2"})


def test_token_command_without_places_gives_the_demo_leader_who_leads_the_organization(capsys: pytest.CaptureFixture[str]) -> None:
    """`make token ROLE=org_leader`: a leader token that leads 夕阳天使志愿服务队 in 左安浦园 (not one with no organization)."""
    main(["token", "--role", "org_leader"])

    principal = asyncio.run(TokenVerifier(Settings()).verify(capsys.readouterr().out.strip()))

    assert principal.roles == frozenset({Role.ORG_LEADER})
    assert principal.organization == demo_organization_id("夕阳天使志愿服务队")
    assert principal.communities == frozenset({HOME})


async def test_up_serves_the_demo_prints_console_and_tokens_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    async with platform_up(stderr=tmp_path / "stderr.log") as up:
        for name in SERVICES:
            assert up.urls[name] in up.banner
        assert set(up.tokens) == {role.value for role in Role}
        shell = await asyncio.create_subprocess_exec(
            "bash", "-c", f"source {up.data / 'tokens.env'} && echo $STAFF_TOKEN $LEADER_TOKEN", stdout=asyncio.subprocess.PIPE
        )
        sourced, _ = await shell.communicate()
        assert sourced.decode().split() == [up.tokens["community_staff"], up.tokens["org_leader"]]
        assert f"source {up.data / 'tokens.env'}" in up.banner
        logs = (tmp_path / "stderr.log").read_text()
        assert "Uvicorn running on" not in logs  # the banner says it, once
        assert "Application startup complete" not in logs
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


async def test_setup_registers_a_first_district_once_and_says_how_to_mint_tokens() -> None:
    async with platform_up(demo=False) as up, httpx.AsyncClient() as client:
        command = [
            sys.executable,
            "-m",
            "services",
            "setup",
            "--gateway",
            up.urls["gateway"],
            "--district",
            "district-xicheng",
            "--name",
            "西城区",
        ]
        first = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
        printed, _ = await first.communicate()
        again = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
        printed_again, _ = await again.communicate()
        admin = mint(Settings(), subject="someone", roles=[Role.DISTRICT_ADMIN], districts=["district-xicheng"])
        district = await client.post(
            up.urls["gateway"],
            json={"query": '{ district(id: "district-xicheng") { name } }'},
            headers={"authorization": f"Bearer {admin}"},
        )

    assert first.returncode == 0
    assert again.returncode == 0
    assert "registered the district 西城区 (district-xicheng)" in printed.decode()
    assert "token --role district_admin --district district-xicheng" in printed.decode()
    assert "registered before; nothing to do" in printed_again.decode()
    assert district.json()["data"]["district"] == {"name": "西城区"}


async def test_a_service_run_alone_lowers_its_cpu_priority_by_niceness() -> None:
    env = {**os.environ, "JWT_SECRET": "a-test-secret-of-at-least-thirty-two-bytes", "NICENESS": "7", "NOTICES_PORT": "0"}
    before = os.getpriority(os.PRIO_PROCESS, 0)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services", "serve", "notices", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    seen = before
    try:
        async with asyncio.timeout(30):
            while seen != before + 7 and process.returncode is None:
                await asyncio.sleep(0.05)
                seen = os.getpriority(os.PRIO_PROCESS, process.pid)
    finally:
        process.terminate()
        await process.wait()
    assert seen == before + 7
