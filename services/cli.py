"""``renling`` (or ``python -m services``): run the platform, one service, or mint dev tokens."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvloop

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.identity import Role, mint_token
from services.common.logs import configure_logging
from services.common.serve import Listener, refuse_insecure_secret, serve_all
from services.common.settings import LOCAL_RABBITMQ, Settings
from services.common.tracing import configure_tracing
from services.embedded import DEMO_PEOPLE, SERVICES, run_embedded
from services.receiver import receiver_app
from services.setup import run_setup

__all__ = ["SERVICES", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="renling", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run every service in one process (embedded mode) with demo data")
    up.add_argument("--no-demo", action="store_true", help="start empty")
    up.add_argument("--fresh", action="store_true", help="forget what the data folder (DATA_DIR) holds and load the demo again")
    serve = commands.add_parser("serve", help="run one service alone (deployment)")
    serve.add_argument("service", choices=sorted([*SERVICES, "gateway"]))
    token = commands.add_parser(
        "token", help="print a development token (with no community, district or organization: the demo district's person of that role)"
    )
    token.add_argument("--role", choices=[role.value for role in Role], required=True)
    token.add_argument("--subject", default=None)
    token.add_argument("--community", action="append", default=[], help="repeatable")
    token.add_argument("--district", action="append", default=[], help="repeatable")
    token.add_argument("--organization", default=None)
    receive = commands.add_parser("receive-webhooks", help="a local webhook receiver that prints each delivery (trying webhooks out)")
    receive.add_argument("--port", type=int, default=4099)
    receive.add_argument("--secret", default=None, help="the whsec_… secret registerWebhook showed: check each signature")
    setup = commands.add_parser("setup", help="one-shot job of a fresh deployment: register a first district, or load the demo")
    setup.add_argument("--gateway", default="http://127.0.0.1:4000/graphql", help="the gateway's GraphQL URL")
    setup.add_argument("--district", default="district-dongcheng", help="the first district's id (slug)")
    setup.add_argument("--name", default="东城区", help="the first district's name")
    setup.add_argument(
        "--demo", action="store_true", help="load the demo district instead, through the services' commands (also SETUP_DEMO=true)"
    )
    setup.add_argument("--runner", default="python -m services", help="how the printed token commands start renling")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "token":
        print(_token(settings, args))
        return
    configure_logging(settings.log_level)
    configure_tracing("renling" if args.command == "up" else f"renling-{getattr(args, 'service', args.command)}")
    try:
        if args.command == "up":
            uvloop.run(run_embedded(settings, demo=not args.no_demo, fresh=args.fresh))
        elif args.command == "setup":
            report = uvloop.run(
                run_setup(
                    settings,
                    gateway_url=args.gateway,
                    district_id=args.district,
                    name=args.name,
                    demo=args.demo or _wants_demo(),
                    runner=args.runner,
                )
            )
            print(report, flush=True)
        elif args.command == "receive-webhooks":
            print(f"receiving webhooks on http://127.0.0.1:{args.port}/ (Ctrl-C stops)", flush=True)
            uvloop.run(serve_all([Listener("receiver", receiver_app(secret=args.secret), "127.0.0.1", args.port)]))
        else:
            refuse_insecure_secret(settings)
            uvloop.run(_serve_one(settings, args.service))
    except KeyboardInterrupt:
        sys.exit(130)


def _token(settings: Settings, args: argparse.Namespace) -> str:
    """The token asked for; without places or organization, the demo person of that role (an org_leader who leads)."""
    if not (args.community or args.district or args.organization):
        person = next(person for person in DEMO_PEOPLE if person.role.value == args.role)
        return person.token(settings, subject=args.subject)
    return mint_token(
        settings,
        subject=args.subject or f"dev-{args.role}",
        roles=[args.role],
        communities=args.community,
        districts=args.district,
        organization=args.organization,
    )


def _wants_demo() -> bool:
    """``SETUP_DEMO=true`` (docker compose): the setup job loads the demo."""
    return os.environ.get("SETUP_DEMO", "").strip().lower() in {"1", "true", "yes"}


async def _serve_one(settings: Settings, service: str) -> None:
    if settings.niceness:
        os.nice(settings.niceness)  # this process only: the embedded mode (every service in one process) never lowers itself
    if not settings.amqp_url:
        settings = settings.model_copy(update={"amqp_url": LOCAL_RABBITMQ})
    if service == "gateway":
        await serve_all([Listener("gateway", create_gateway_app(GatewaySettings()), settings.host, settings.gateway_port)])
        return
    factory, port = SERVICES[service]
    await serve_all([Listener(service, factory(settings), settings.host, port(settings))])
