"""``renling`` (or ``python -m services``): run the platform, one service, or mint dev tokens."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import uvloop

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.claims.app import create_app as create_claims_app
from services.common.app import AppFactory, make_bus
from services.common.identity import Role, insecure_secret, mint_token
from services.common.logs import configure_logging
from services.common.serve import Listener, serve_all
from services.common.settings import LOCAL_RABBITMQ, Settings
from services.common.store.memory import MemoryServer
from services.demo import DISTRICT, HOME, demo_organization_id, load_demo
from services.events.app import create_app as create_events_app
from services.needs.app import create_app as create_needs_app
from services.notices.app import create_app as create_notices_app
from services.orgs.app import create_app as create_orgs_app
from services.people.app import create_app as create_people_app
from services.people.demo import load_people_demo

__all__ = ["main"]

SERVICES: dict[str, tuple[AppFactory, Callable[[Settings], int]]] = {
    "needs": (create_needs_app, lambda settings: settings.needs_port),
    "claims": (create_claims_app, lambda settings: settings.claims_port),
    "orgs": (create_orgs_app, lambda settings: settings.orgs_port),
    "events": (create_events_app, lambda settings: settings.events_port),
    "notices": (create_notices_app, lambda settings: settings.notices_port),
    "people": (create_people_app, lambda settings: settings.people_port),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="renling", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run every service in one process (embedded mode) with demo data")
    up.add_argument("--no-demo", action="store_true", help="start empty")
    serve = commands.add_parser("serve", help="run one service alone (deployment)")
    serve.add_argument("service", choices=sorted([*SERVICES, "gateway"]))
    token = commands.add_parser("token", help="print a development token")
    token.add_argument("--role", choices=[role.value for role in Role], required=True)
    token.add_argument("--subject", default=None)
    token.add_argument("--community", action="append", default=[], help="repeatable")
    token.add_argument("--district", action="append", default=[], help="repeatable")
    token.add_argument("--organization", default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "token":
        print(
            mint_token(
                settings,
                subject=args.subject or f"dev-{args.role}",
                roles=[args.role],
                communities=args.community,
                districts=args.district,
                organization=args.organization,
            )
        )
        return
    configure_logging(settings.log_level)
    try:
        if args.command == "up":
            uvloop.run(_up(settings, demo=not args.no_demo))
        else:
            _refuse_insecure_secret(settings)
            uvloop.run(_serve_one(settings, args.service))
    except KeyboardInterrupt:
        sys.exit(130)


async def _up(settings: Settings, *, demo: bool) -> None:
    bus = make_bus(settings)
    await bus.start()
    memory = MemoryServer() if settings.mongodb_url.startswith("memory://") else None
    apps = {name: factory(settings, memory=memory, bus=bus) for name, (factory, _) in SERVICES.items()}
    listeners = [Listener(name, app, settings.host, SERVICES[name][1](settings)) for name, app in apps.items()]
    listeners.insert(0, Listener("gateway", create_gateway_app(GatewaySettings()), settings.host, settings.gateway_port))

    async def started() -> None:
        if demo:
            await load_demo(apps["orgs"].state.handlers, apps["needs"].state.handlers, apps["claims"].state.handlers)
            await load_people_demo(apps["people"].state.handlers, HOME)
        _banner(settings, listeners)

    try:
        await serve_all(listeners, on_started=started)
    finally:
        await bus.close()


def _refuse_insecure_secret(settings: Settings) -> None:
    """Outside the embedded mode, the development (or a short) HS256 secret stops the start-up."""
    reason = insecure_secret(settings)
    if reason is not None:
        print(f"renling: refusing to start: {reason}", file=sys.stderr)
        sys.exit(2)


async def _serve_one(settings: Settings, service: str) -> None:
    if not settings.amqp_url:
        settings = settings.model_copy(update={"amqp_url": LOCAL_RABBITMQ})
    if service == "gateway":
        await serve_all([Listener("gateway", create_gateway_app(GatewaySettings()), settings.host, settings.gateway_port)])
        return
    factory, port = SERVICES[service]
    await serve_all([Listener(service, factory(settings), settings.host, port(settings))])


def _banner(settings: Settings, listeners: Sequence[Listener]) -> None:
    store = "in-memory store (memory://)" if settings.mongodb_url.startswith("memory://") else "MongoDB"
    bus = "RabbitMQ" if settings.amqp_url else "in-process bus"
    lines = ["", "Renling (认领) is running — " + f"{store}, {bus}.", ""]
    lines += [
        f"  {listener.name:<8} {listener.url}"
        + ("   ← the console (GraphiQL) over the whole graph: open it in a browser" if listener.name == "gateway" else "")
        for listener in listeners
    ]
    lines += ["", f"Development tokens (send as `Authorization: Bearer …`; demo community {HOME}):"]
    leads = demo_organization_id("夕阳天使志愿服务队")
    people = [
        (Role.DISTRICT_ADMIN, "admin-dongcheng", [], [DISTRICT], None),
        (Role.COMMUNITY_STAFF, "staff-zuoanpuyuan", [HOME], [], None),
        (Role.ORG_LEADER, "leader-xiyangtianshi", [HOME], [], leads),
        (Role.RESIDENT, "resident-wang", [HOME], [], None),
        (Role.PARTNER, "partner-fushoubainian", [HOME], [], None),
    ]
    for role, subject, communities, districts, organization in people:
        token = mint_token(settings, subject=subject, roles=[role], communities=communities, districts=districts, organization=organization)
        lines += [f"  {role.value:<16} {token}"]
    lines += [f"  (org_leader leads 夕阳天使志愿服务队, organization id {leads}; the README walks through one claim cycle with these.)"]
    lines += ["", "Ctrl-C stops everything.", ""]
    print("\n".join(lines), flush=True)
