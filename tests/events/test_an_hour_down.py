"""A partner's receiver down for an hour of simulated time: retried with back-off, then delivered once.

The service runs on a clock the test moves, with the production retry settings (first retry
after 30 s, doubling, with jitter); the dispatcher is driven minute by minute.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from services.common.bus.memory import InProcessBus
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from tests.events.conftest import Events, Receiver, event, place
from tests.support import fast_settings, running, serving

DELIVERIES = "{ webhooks { deliveries { status attempts { statusCode error } } } }"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_a_receiver_down_for_an_hour_gets_the_event_afterwards_once() -> None:
    now = [datetime(2026, 11, 26, 8, 0, tzinfo=UTC)]
    settings = fast_settings(webhook_allow_private=True, webhook_poll_s=3600.0, webhook_timeout_s=2.0)
    bus, port = InProcessBus(), _free_port()
    app = create_app(settings, bus=bus, memory=MemoryServer(), clock=lambda: now[0])
    async with running(app) as client:
        service = Events(client, bus, settings, app)
        await service.publish(place("c1", "d1"))
        partner = service.token(Role.PARTNER, "c1")
        registered = await client.data(
            "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { errors { message } } }",
            {"i": {"url": f"http://127.0.0.1:{port}/hook"}},
            as_=partner,
        )
        assert registered["registerWebhook"]["errors"] == []
        await service.publish(event("needs.item.published.v1", item_id="i1"))
        dispatcher = app.state.handlers.dispatcher

        for _ in range(60):  # an hour, a minute at a time, nobody listening
            now[0] += timedelta(minutes=1)
            await dispatcher.run_once()
        (down,) = (await client.data(DELIVERIES, as_=partner))["webhooks"][0]["deliveries"]

        receiver = Receiver()
        async with serving(receiver.app(), port=port):
            for _ in range(120):  # the receiver is back: the next retry, at most an hour or so later, gets through
                now[0] += timedelta(minutes=1)
                await dispatcher.run_once()
            (after,) = (await client.data(DELIVERIES, as_=partner))["webhooks"][0]["deliveries"]
    await bus.close()

    failed_attempts = len(down["attempts"])
    print(f"receiver down 60 simulated minutes: {failed_attempts} failed attempts, then delivered on attempt {len(after['attempts'])}")
    assert down["status"] == "PENDING"
    assert 4 <= failed_attempts <= 9  # backing off (30 s, 1, 2, 4, 8, 16, 32 min …), not hammering, not giving up
    assert all(attempt["statusCode"] is None and attempt["error"] for attempt in down["attempts"])
    assert after["status"] == "DELIVERED"
    assert len(after["attempts"]) == failed_attempts + 1
    assert len(receiver.received) == 1
