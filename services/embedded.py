"""The embedded mode (``make up``): every service and the gateway in one process, its data kept in a folder.

With ``memory://`` the store is journalled to the data folder (``DATA_DIR``, ``.renling/`` by
default): every acknowledged write is on disk, a restart — after Ctrl-C or a crash — starts where
the last run ended, and the demo district is loaded once, into a fresh folder. ``--fresh``
(``make up FRESH=1``) empties the folder first. The development tokens are written to
``<folder>/tokens.env`` for a shell to source, and the banner is printed once everything started.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.audit.app import create_app as create_audit_app
from services.claims.app import create_app as create_claims_app
from services.common.app import AppFactory, make_bus
from services.common.identity import Role, mint_token
from services.common.serve import Listener, serve_all
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.demo import DISTRICT, HOME, demo_organization_id, load_demo
from services.disclosure.app import create_app as create_disclosure_app
from services.events.app import create_app as create_events_app
from services.evidence.app import create_app as create_evidence_app
from services.evidence.demo import attach_demo_evidence
from services.needs.app import create_app as create_needs_app
from services.notices.app import create_app as create_notices_app
from services.orgs.app import create_app as create_orgs_app
from services.people.app import create_app as create_people_app
from services.people.demo import load_people_demo

__all__ = ["DEMO_PEOPLE", "SERVICES", "DemoPerson", "embedded_settings", "run_embedded", "token_exports"]

SERVICES: dict[str, tuple[AppFactory, Callable[[Settings], int]]] = {
    "needs": (create_needs_app, lambda settings: settings.needs_port),
    "claims": (create_claims_app, lambda settings: settings.claims_port),
    "orgs": (create_orgs_app, lambda settings: settings.orgs_port),
    "events": (create_events_app, lambda settings: settings.events_port),
    "notices": (create_notices_app, lambda settings: settings.notices_port),
    "people": (create_people_app, lambda settings: settings.people_port),
    "disclosure": (create_disclosure_app, lambda settings: settings.disclosure_port),
    "audit": (create_audit_app, lambda settings: settings.audit_port),
    "evidence": (create_evidence_app, lambda settings: settings.evidence_port),
}
"""Each service's app factory and port."""
DEMO_LOADED = "demo-loaded"
TOKENS = "tokens.env"
LEADS = "夕阳天使志愿服务队"


@dataclass(frozen=True)
class DemoPerson:
    """Whom a development token speaks for, and the shell variable ``tokens.env`` gives it."""

    role: Role
    variable: str
    subject: str
    communities: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    leads: bool = False

    def token(self, settings: Settings, *, subject: str | None = None) -> str:
        """A development token for this person (under another ``subject`` if given)."""
        organization = demo_organization_id(LEADS) if self.leads else None
        return mint_token(
            settings,
            subject=subject or self.subject,
            roles=[self.role],
            communities=self.communities,
            districts=self.districts,
            organization=organization,
        )


DEMO_PEOPLE = (
    DemoPerson(Role.DISTRICT_ADMIN, "ADMIN_TOKEN", "admin-dongcheng", districts=(DISTRICT,)),
    DemoPerson(Role.COMMUNITY_STAFF, "STAFF_TOKEN", "staff-zuoanpuyuan", communities=(HOME,)),
    DemoPerson(Role.ORG_LEADER, "LEADER_TOKEN", "leader-xiyangtianshi", communities=(HOME,), leads=True),
    DemoPerson(Role.RESIDENT, "RESIDENT_TOKEN", "resident-wang", communities=(HOME,)),
    DemoPerson(Role.PARTNER, "PARTNER_TOKEN", "partner-fushoubainian", communities=(HOME,)),
)
"""The demo district's people: the banner, ``tokens.env`` and ``renling token`` (with no places given) use them."""


def embedded_settings(settings: Settings) -> Settings:
    """The embedded mode's settings: webhooks may go to receivers on this machine (the README runs one),
    unless ``WEBHOOK_ALLOW_PRIVATE`` says otherwise."""
    if any(name.upper() == "WEBHOOK_ALLOW_PRIVATE" for name in os.environ):
        return settings
    return settings.model_copy(update={"webhook_allow_private": True})


def token_exports(settings: Settings) -> str:
    """``export STAFF_TOKEN=…`` lines, one per demo person, for a shell to source."""
    lines = ["# Development tokens of the demo district (written by `make up`); `source` this file."]
    lines += [f"export {person.variable}={shlex.quote(person.token(settings))}  # {person.role.value}" for person in DEMO_PEOPLE]
    return "\n".join(lines) + "\n"


async def run_embedded(settings: Settings, *, demo: bool, fresh: bool = False) -> None:
    """Serve everything until Ctrl-C/SIGTERM; the demo is loaded into a fresh data folder (or a real MongoDB) once."""
    settings = embedded_settings(settings)
    folder = Path(settings.data_dir)
    memory = _open_data(folder, fresh=fresh, journalled=settings.mongodb_url.startswith("memory://"))
    # uvicorn announces each of the five servers' start-up; the banner says it once, with every address.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    bus = make_bus(settings)
    await bus.start()
    apps = {name: factory(settings, memory=memory, bus=bus) for name, (factory, _) in SERVICES.items()}
    listeners = [Listener(name, app, settings.host, SERVICES[name][1](settings)) for name, app in apps.items()]
    listeners.insert(0, Listener("gateway", create_gateway_app(GatewaySettings()), settings.host, settings.gateway_port))
    tokens = folder / TOKENS

    async def started() -> None:
        if demo and (memory is None or not _demo_loaded(folder)):
            await load_demo(apps["orgs"].state.handlers, apps["needs"].state.handlers, apps["claims"].state.handlers)
            await attach_demo_evidence(apps["evidence"].state.handlers, community_id=HOME)
            await load_people_demo(apps["people"].state.handlers, HOME)
            _demo_loaded(folder, now=True)
        _write(tokens, token_exports(settings))
        print(banner(settings, listeners, tokens, memory is not None), flush=True)

    try:
        await serve_all(listeners, on_started=started)
    finally:
        await bus.close()
        if memory is not None:
            memory.close()


def _open_data(folder: Path, *, fresh: bool, journalled: bool) -> MemoryServer | None:
    """The data folder made (emptied first if ``fresh``), and with ``memory://`` the store replayed from its journal."""
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return MemoryServer.journalled(folder) if journalled else None


def _demo_loaded(folder: Path, *, now: bool = False) -> bool:
    """Whether the demo was loaded into this folder (``now``: mark that it has been, once the loader finished)."""
    marker = folder / DEMO_LOADED
    if now:
        marker.touch()
    return marker.exists()


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def banner(settings: Settings, listeners: Sequence[Listener], tokens: Path, journalled: bool) -> str:
    """What ``make up`` prints once everything has started."""
    store = f"in-memory store (memory://) kept in {settings.data_dir}/" if journalled else "MongoDB"
    bus = "RabbitMQ" if settings.amqp_url else "in-process bus"
    lines = ["", "Renling (认领) is running — " + f"{store}, {bus}.", ""]
    lines += [
        f"  {listener.name:<8} {listener.url}"
        + ("   ← the console (GraphiQL) over the whole graph: open it in a browser" if listener.name == "gateway" else "")
        for listener in listeners
    ]
    lines += ["", f"Development tokens (send as `Authorization: Bearer …`; demo community {HOME}):"]
    lines += [f"  {person.role.value:<16} {person.token(settings)}" for person in DEMO_PEOPLE]
    lines += [
        f"  (org_leader leads {LEADS}, organization id {demo_organization_id(LEADS)}; the README walks through one claim cycle with these.)"
    ]
    lines += [f"  In a shell: source {tokens}   (sets {', '.join(person.variable for person in DEMO_PEOPLE)})"]
    if journalled:
        lines += ["", f"What you enter is kept in {settings.data_dir}/; `make up FRESH=1` starts afresh with the demo."]
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)
