"""Reminders survive a restart and fire once with two replicas; SMS, WeChat and webhooks speak their providers' APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.bus.memory import InProcessBus
from services.common.events import new_event
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.notices.app import create_app
from services.notices.channels.sms import rpc_signature
from services.notices.settings import NoticesSettings
from tests.support import fast_settings, running, serving, token

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Clock:
    """A clock the test moves."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def settings(**overrides: Any) -> NoticesSettings:
    base = fast_settings(webhook_allow_private=True).model_dump()
    return NoticesSettings(**{**base, "notices_poll_s": 3600.0, "notices_reminder_lead_s": 3600.0, **overrides})


def meeting_scheduled(at: datetime) -> Any:
    data = {
        "meeting_id": "m1",
        "community_id": "c1",
        "scheduled_at": at.isoformat(),
        "item_ids": ["i1"],
        "venue": "活动室",
        "actor": "staff-1",
    }
    return new_event("claims.meeting.scheduled.v1", service="claims", community="c1", data=data, time=START)


async def test_a_reminder_survives_a_restart_and_fires_once_with_two_replicas() -> None:
    memory, clock = MemoryServer(), Clock()
    bus = InProcessBus()
    await bus.start()
    first = create_app(settings(), memory=memory, bus=bus, clock=clock)
    async with running(first):
        await bus.publish(meeting_scheduled(START + timedelta(hours=5)))
        await bus.drain()
        assert await first.state.handlers.fire_due() == 0  # not due yet
    await bus.close()

    replicas = [create_app(settings(), memory=memory, bus=InProcessBus(), clock=clock) for _ in range(2)]
    async with running(replicas[0]) as client, running(replicas[1]):
        for replica in replicas:  # their own rounds stop: the firing below is all there is, from both at once
            await replica.state.handlers.worker.stop()
        clock.now = START + timedelta(hours=4, minutes=1)  # one hour before the meeting, after the restart
        fired = await asyncio.gather(*(replica.state.handlers.fire_due() for replica in replicas for _ in range(3)))
        assert sum(fired) == 1
        staff = token(replicas[0].state.handlers.settings, Role.COMMUNITY_STAFF, communities=["c1"], subject="staff-1")
        data = await client.data("{ myNotices { edges { node { kind subjectId body } } } }", as_=staff)
        assert [edge["node"]["kind"] for edge in data["myNotices"]["edges"]] == ["REMINDER_MEETING"]
        assert "活动室" in data["myNotices"]["edges"][0]["node"]["body"]
        reminders = await replicas[0].state.handlers.store.reminders_of("m1")
        assert [reminder.fired_at for reminder in reminders] == [clock.now]
        assert await replicas[1].state.handlers.fire_due() == 0


async def test_a_session_moved_reschedules_and_a_withdrawal_cancels() -> None:
    clock = Clock()
    app = create_app(settings(), clock=clock)
    async with running(app):
        handlers = app.state.handlers
        starts = START + timedelta(days=2)
        base = {"session_id": "s1", "community_id": "c1", "title": "太极拳", "venue": "广场"}
        for person in ("p1", "p2"):
            data = {**base, "person_id": person, "starts_at": starts.isoformat()}
            await handlers.on_event(new_event("people.signup.confirmed.v1", service="people", community="c1", data=data))
        await handlers.on_event(new_event("people.signup.withdrawn.v1", service="people", community="c1", data={**base, "person_id": "p2"}))
        moved = {**base, "change": "moved", "starts_at": (starts + timedelta(days=1)).isoformat(), "attendee_ids": ["p1"]}
        event = new_event("people.session.changed.v1", service="people", community="c1", data=moved)
        await handlers.on_event(event)
        await handlers.on_event(event)  # redelivered
        reminders = await handlers.store.reminders_of("s1")
        live = [(reminder.recipient, reminder.about_at) for reminder in reminders if not reminder.cancelled]
        assert live == [("p1", starts + timedelta(days=1))]
        clock.now = starts + timedelta(days=1) - timedelta(minutes=30)
        assert await handlers.fire_due() == 1
        kinds = sorted(
            notice.kind.value for notice in (await handlers.store.list_notices("p1", ["c1"], unread_only=False, first=10, after=None))[0]
        )
        assert kinds == ["reminder_session", "session_changed", "signup_confirmed"]


class FakeProviders:
    """Aliyun SendSms, WeChat's token and template/send, and a personal webhook receiver, as their APIs answer."""

    def __init__(self) -> None:
        self.sms: list[dict[str, str]] = []
        self.wechat: list[dict[str, Any]] = []
        self.hooks: list[dict[str, Any]] = []
        self.tokens = 0
        self.fail_hook_once = True

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/sms/", self.send_sms),
                Route("/cgi-bin/token", self.token),
                Route("/cgi-bin/message/template/send", self.template, methods=["POST"]),
                Route("/hook", self.hook, methods=["POST"]),
            ]
        )

    async def send_sms(self, request: Request) -> Response:
        params = dict(request.query_params)
        signature = params.pop("Signature")
        if signature != rpc_signature(params, "sms-secret") or params["Action"] != "SendSms":
            return JSONResponse({"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, status_code=400)
        self.sms.append(params)
        return JSONResponse({"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"})

    async def token(self, request: Request) -> Response:
        if request.query_params.get("appid") != "wx-app" or request.query_params.get("secret") != "wx-secret":
            return JSONResponse({"errcode": 40013, "errmsg": "invalid appid"})
        self.tokens += 1
        return JSONResponse({"access_token": f"token-{self.tokens}", "expires_in": 7200})

    async def template(self, request: Request) -> Response:
        if request.query_params.get("access_token") != f"token-{self.tokens}":
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        self.wechat.append(await request.json())
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": 1})

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        Webhook(SECRET).verify(body, dict(request.headers))
        if self.fail_hook_once:
            self.fail_hook_once = False
            return Response(status_code=503)
        self.hooks.append(json.loads(body))
        return Response(status_code=204)


@pytest.fixture
async def providers() -> AsyncIterator[tuple[FakeProviders, str]]:
    fake = FakeProviders()
    async with serving(fake.app()) as url:
        yield fake, url


async def test_sms_wechat_and_webhook_deliveries_speak_the_providers_apis(providers: tuple[FakeProviders, str]) -> None:
    fake, url = providers
    clock = Clock(datetime.now(UTC))  # receivers check the signed timestamp against their own clock
    configured = settings(
        notices_webhook_secret=SECRET,
        notices_sms_url=f"{url}/sms/",
        notices_sms_access_key_id="sms-key",
        notices_sms_access_key_secret="sms-secret",
        notices_sms_sign_name="左安浦园社区",
        notices_sms_template_code="SMS_1",
        notices_wechat_url=url,
        notices_wechat_app_id="wx-app",
        notices_wechat_app_secret="wx-secret",
        notices_wechat_template_id="tpl-1",
        notices_retry_base_s=1.0,
    )
    app = create_app(configured, clock=clock)
    async with running(app) as client:
        wang = token(configured, Role.RESIDENT, communities=["c1"], subject="wang")
        prefs = {
            "channels": ["SMS", "WECHAT", "WEBHOOK"],
            "phone": "13800138000",
            "wechatOpenid": "oWang_123456",
            "webhookUrl": f"{url}/hook",
        }
        payload = await client.mutation("setNoticePreferences", prefs, "preferences { channels phone }", as_=wang)
        assert payload["errors"] == []
        assert sorted(payload["preferences"]["channels"]) == ["INBOX", "SMS", "WEBHOOK", "WECHAT"]
        data = {
            "need_id": "n1",
            "community_id": "c1",
            "title": "楼道灯坏了",
            "submitter_id": "wang",
            "supporter_ids": [],
            "status": "accepted",
        }
        await app.state.handlers.on_event(new_event("needs.need.accepted.v1", service="needs", community="c1", data=data))
        worker = app.state.handlers.worker
        assert await worker.deliver_due() == 1
        assert [params["PhoneNumbers"] for params in fake.sms] == ["13800138000"]
        assert json.loads(fake.sms[0]["TemplateParam"])["title"] == "您的需求已受理"
        assert [message["touser"] for message in fake.wechat] == ["oWang_123456"]
        assert fake.hooks == []  # the receiver answered 503: retried later, the others are not sent again
        assert await worker.deliver_due() == 0
        clock.now += timedelta(seconds=2)
        assert await worker.deliver_due() == 1
        assert [hook["kind"] for hook in fake.hooks] == ["need_accepted"]
        store = app.state.handlers.store  # every channel has it: the notice has left the delivery index
        assert await store.notices.count_documents({"next_attempt_at": {"$exists": True}}) == 0
        assert len(fake.sms) == 1
        assert len(fake.wechat) == 1
        fake.tokens += 1  # WeChat invalidated the cached token: fetched again, the message still goes
        await app.state.handlers.on_event(
            new_event("needs.need.rejected.v1", service="needs", community="c1", data={**data, "reason": "x"})
        )
        clock.now += timedelta(seconds=1)
        await worker.deliver_due()
        assert len(fake.wechat) == 2
        assert len(fake.sms) == 2


async def test_a_meeting_reminds_its_scheduler_and_the_open_claimants_of_its_agenda_and_a_cancelled_item_no_one() -> None:
    from services.claims.domain.claim import Claimant, Proposal, submit
    from services.claims.domain.vocabulary import ClaimantKind

    clock = Clock()
    app = create_app(settings(), clock=clock)
    async with running(app):
        handlers = app.state.handlers
        staying, _ = submit(
            claim_id="k1",
            item_id="i1",
            community_id="c1",
            claimant=Claimant(ClaimantKind.RESIDENT, "zhang"),
            proposal=Proposal("做"),
            at=START,
        )
        leaving, _ = submit(
            claim_id="k2",
            item_id="i1",
            community_id="c1",
            claimant=Claimant(ClaimantKind.RESIDENT, "zhao"),
            proposal=Proposal("做"),
            at=START,
        )
        other, _ = submit(
            claim_id="k3",
            item_id="i2",
            community_id="c1",
            claimant=Claimant(ClaimantKind.RESIDENT, "qian"),
            proposal=Proposal("做"),
            at=START,
        )
        _, withdrawn = leaving.withdraw("没空", actor="zhao", at=START)
        submitted = [claim._event("claims.claim.submitted.v1", START, actor=claim.claimant.subject) for claim in (staying, leaving, other)]
        for event in [*submitted, *withdrawn, meeting_scheduled(START + timedelta(days=3))]:
            await handlers.on_event(event)
        assert sorted(reminder.recipient for reminder in await handlers.store.reminders_of("m1")) == ["staff-1", "zhang"]

        closes = (START + timedelta(days=5)).isoformat()
        window: dict[str, Any] = {"item_id": "i1", "community_id": "c1", "title": "助餐", "actor": "staff-1", "status": "published"}
        window["claim_window"] = {"opens_at": START.isoformat(), "closes_at": closes}
        await handlers.on_event(new_event("needs.item.published.v1", service="needs", community="c1", data=window))
        cancelled = {"item_id": "i1", "community_id": "c1", "status": "cancelled", "reason": "经费调整"}
        await handlers.on_event(new_event("needs.item.cancelled.v1", service="needs", community="c1", data=cancelled))
        assert [reminder.cancelled for reminder in await handlers.store.reminders_of("i1")] == [True]
        clock.now = START + timedelta(days=3) - timedelta(minutes=30)  # the meeting's reminders are due, the window's would be
        assert await handlers.fire_due() == 2
        clock.now = START + timedelta(days=5) - timedelta(minutes=30)
        assert await handlers.fire_due() == 0
        kinds = [
            notice.kind.value
            for notice in (await handlers.store.list_notices("staff-1", ["c1"], unread_only=False, first=10, after=None))[0]
        ]
        assert kinds == ["reminder_meeting"]


async def test_a_rectification_recorded_done_cancels_its_deadline_reminders() -> None:
    """claims.project.rectified.v1 stops the reminders of that visit's deadline; another visit's still fire."""
    clock, bus = Clock(), InProcessBus()
    await bus.start()
    app = create_app(settings(), bus=bus, clock=clock)
    async with running(app):  # the events come over the bus, through the notices consumer's bindings
        handlers = app.state.handlers
        claim = {"claim_id": "k1", "community_id": "c1", "actor": "leader-1", "item_id": "i1"}
        await bus.publish(new_event("claims.claim.submitted.v1", service="claims", community="c1", data=claim))
        for visit in ("v1", "v2"):  # two visits of the claim, with the same deadline
            data = {
                "claim_id": "k1",
                "visit_id": visit,
                "actor": "supervisor-1",
                "rectification_required": True,
                "rectification_deadline": "2026-12-05",
            }
            await bus.publish(new_event("claims.project.supervised.v1", service="claims", community="c1", data=data))
        await bus.drain()  # both visits' reminders scheduled
        assert len(await handlers.store.reminders_of("v1")) == len(await handlers.store.reminders_of("v2")) == 2
        done = {"claim_id": "k1", "visit_id": "v1", "rectified_on": "2026-12-02", "actor": "leader-1"}
        event = new_event("claims.project.rectified.v1", service="claims", community="c1", data=done)
        await bus.publish(event)
        await bus.publish(event)  # redelivered
        await bus.drain()
        clock.now = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # half an hour before the deadline (00:00 in Beijing), after the lead
        assert await handlers.fire_due() == 2  # v2's, to the claimant and the supervisor; none of v1's
        for person in ("leader-1", "supervisor-1"):
            notices = (await handlers.store.list_notices(person, ["c1"], unread_only=False, first=10, after=None))[0]
            assert [(notice.kind.value, notice.body) for notice in notices] == [
                ("reminder_rectification", "督导要求的整改须在 2026-12-05 前完成。")
            ]
        assert [reminder.cancelled for reminder in await handlers.store.reminders_of("v1")] == [True, True]
    await bus.close()
