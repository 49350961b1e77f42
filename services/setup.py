"""``renling setup``: the one-shot job of a fresh deployment (``docker compose up`` runs it once).

Without ``--demo`` it registers a first district through the gateway, as its administrator would
(a development token signed with ``JWT_SECRET``), and is a no-op when the district exists. With
``--demo`` it loads the demo district instead, through the services' own commands (it opens the
same MongoDB and RabbitMQ as the services; its consumers share their queues while it runs).
Either way it ends by printing how to mint tokens for the people of that district.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette

from services.claims.app import create_app as create_claims_app
from services.common.app import make_bus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.demo import DISTRICT, HOME, load_demo
from services.needs.app import create_app as create_needs_app
from services.orgs.app import create_app as create_orgs_app

__all__ = ["REGISTER", "register_district", "run_setup", "token_help"]

REGISTER = """mutation($id: ID!, $name: String!) {
  registerDistrict(input: {id: $id, name: $name}) { district { id name } errors { code field message } }
}"""


async def register_district(settings: Settings, gateway_url: str, district_id: str, name: str) -> str:
    """Register the district through the gateway; what happened, in one line (already there is fine)."""
    token = mint_token(settings, subject="setup", roles=[Role.DISTRICT_ADMIN], districts=[district_id])
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            gateway_url,
            json={"query": REGISTER, "variables": {"id": district_id, "name": name}},
            headers={"authorization": f"Bearer {token}"},
        )
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"the gateway refused registerDistrict: {body['errors']}")
    payload = body["data"]["registerDistrict"]
    if not payload["errors"]:
        return f"registered the district {name} ({district_id})"
    if all(error["code"] == "CONFLICT" for error in payload["errors"]):
        return f"the district {district_id} was registered before; nothing to do"
    raise RuntimeError(f"registerDistrict failed: {payload['errors']}")


@contextlib.asynccontextmanager
async def _started(app: Starlette) -> AsyncIterator[Starlette]:
    async with app.router.lifespan_context(app):
        yield app


async def load_demo_into(settings: Settings) -> str:
    """The demo district through the services' commands, on the store and bus of ``settings``."""
    bus = make_bus(settings)
    await bus.start()
    try:
        async with (
            _started(create_orgs_app(settings, bus=bus)) as orgs,
            _started(create_needs_app(settings, bus=bus)) as needs,
            _started(create_claims_app(settings, bus=bus)) as claims,
        ):
            await load_demo(orgs.state.handlers, needs.state.handlers, claims.state.handlers)
    finally:
        await bus.close()
    return f"loaded the demo district ({DISTRICT}, home community {HOME})"


def token_help(district_id: str, *, demo: bool, runner: str) -> str:
    """How to mint development tokens for this district's people."""
    community = HOME if demo else "<community-id>"
    return "\n".join(
        [
            "Mint development tokens (HS256, JWT_SECRET) for the people of this district:",
            f"  {runner} token --role district_admin --district {district_id}",
            f"  {runner} token --role community_staff --community {community}",
            f"  {runner} token --role resident --community {community}",
            f"  {runner} token --role org_leader --community {community} --organization <organization-id>",
            f"  {runner} token --role partner --community {community}",
            "then send them as `Authorization: Bearer …` to the gateway (the console is on /graphql when GRAPHQL_IDE is on).",
        ]
    )


async def run_setup(settings: Settings, *, gateway_url: str, district_id: str, name: str, demo: bool, runner: str) -> str:
    """The job: the demo or a first district, then the token help; the whole report."""
    done = await load_demo_into(settings) if demo else await register_district(settings, gateway_url, district_id, name)
    return done + "\n\n" + token_help(DISTRICT if demo else district_id, demo=demo, runner=runner)
