"""Recurring sessions across months with exceptions; 30 concurrent sign-ups for 20 places; the waiting list moves up."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

from services.people.domain import CHINA, SessionPlan, expand
from tests.people.conftest import People


def test_rules_expand_across_months_in_china_time() -> None:
    weekly = SessionPlan(
        "i", "c", "t", datetime(2026, 12, 29, 19, 0, tzinfo=CHINA), timedelta(hours=1), "v", 5, "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6"
    )
    assert [start.strftime("%m-%d %a %H:%M") for start in expand(weekly)] == [
        "12-29 Tue 19:00", "01-01 Fri 19:00", "01-05 Tue 19:00", "01-08 Fri 19:00", "01-12 Tue 19:00", "01-15 Fri 19:00",
    ]  # fmt: skip
    monthly = SessionPlan(
        "i", "c", "t", datetime(2026, 12, 5, 9, 30, tzinfo=CHINA), timedelta(hours=2), "v", 5, "FREQ=MONTHLY;BYDAY=1SA;COUNT=4"
    )
    assert [start.date().isoformat() for start in expand(monthly)] == ["2026-12-05", "2027-01-02", "2027-02-06", "2027-03-06"]
    utc_start = SessionPlan(
        "i", "c", "t", datetime(2026, 12, 1, 23, 30, tzinfo=CHINA).astimezone(CHINA), timedelta(hours=1), "v", 5, "FREQ=DAILY;COUNT=2"
    )
    assert [start.isoformat() for start in expand(utc_start)] == ["2026-12-01T23:30:00+08:00", "2026-12-02T23:30:00+08:00"]


async def test_recurring_sessions_through_the_api_with_a_moved_and_a_cancelled_one_telling_those_signed_up(people: People) -> None:
    sessions = await people.schedule(startsAt="2026-12-29T19:00:00+08:00", rule="FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6", idempotencyKey="k1")
    assert [session["startsAt"] for session in sessions][:3] == [
        "2026-12-29T11:00:00+00:00",
        "2027-01-01T11:00:00+00:00",
        "2027-01-05T11:00:00+00:00",
    ]
    again = await people.schedule(startsAt="2026-12-29T19:00:00+08:00", rule="FREQ=WEEKLY;BYDAY=TU,FR;COUNT=6", idempotencyKey="k1")
    assert [session["id"] for session in again] == [session["id"] for session in sessions]
    wang, li = people.resident("wang"), people.resident("li")
    for token in (wang, li):
        assert (await people.session_mutation("signUpForSession", {"sessionId": sessions[1]["id"]}, as_=token))["errors"] == []
    await people.session_mutation("signUpForSession", {"sessionId": sessions[2]["id"]}, as_=wang)
    moved = await people.session_mutation(
        "moveActivitySession",
        {"sessionId": sessions[1]["id"], "startsAt": "2027-01-02T09:00:00+08:00", "venue": "活动室"},
        as_=people.staff,
    )
    assert moved["errors"] == []
    assert (moved["session"]["startsAt"], moved["session"]["endsAt"]) == (
        "2027-01-02T01:00:00+00:00",
        "2027-01-02T02:30:00+00:00",
    )
    cancelled = await people.session_mutation(
        "cancelActivitySession", {"sessionId": sessions[2]["id"], "reason": "天气原因"}, as_=people.staff
    )
    assert cancelled["session"]["status"] == "CANCELLED"
    refused = await people.session_mutation("cancelActivitySession", {"sessionId": sessions[3]["id"], "reason": "x"}, as_=wang)
    assert [error["code"] for error in refused["errors"]] == ["FORBIDDEN"]
    late = await people.session_mutation("signUpForSession", {"sessionId": sessions[2]["id"]}, as_=li)
    assert [error["__typename"] for error in late["errors"]] == ["TransitionNotAllowedError"]
    await people.settle()

    wangs = Counter(notice["kind"] for notice in await people.notices(wang))
    assert wangs == {"SIGNUP_CONFIRMED": 2, "SESSION_CHANGED": 2}
    assert Counter(notice["kind"] for notice in await people.notices(li)) == {"SIGNUP_CONFIRMED": 1, "SESSION_CHANGED": 1}
    listed = await people.client.data(
        "query($i: ID!) { activitySessions(itemId: $i, first: 10) { totalCount edges { node { startsAt status venue } } } }",
        {"i": people.item_id},
        as_=wang,
    )
    nodes = [edge["node"] for edge in listed["activitySessions"]["edges"]]
    assert listed["activitySessions"]["totalCount"] == 6
    assert nodes[0]["startsAt"] == "2026-12-29T11:00:00+00:00"
    assert nodes[1] == {
        "startsAt": "2027-01-02T01:00:00+00:00",
        "status": "SCHEDULED",
        "venue": "活动室",
    }
    assert nodes[2]["status"] == "CANCELLED"
    outsider = await people.client.post(
        "query($i: ID!) { activitySessions(itemId: $i) { totalCount } }", {"i": people.item_id}, as_=people.resident("chen", "c2")
    )
    assert outsider["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_thirty_concurrent_sign_ups_for_twenty_places_and_a_withdrawal_moves_the_first_waiting_up(people: People) -> None:
    (session,) = await people.schedule(startsAt="2027-01-10T09:00:00+08:00", capacity=20)
    residents = [people.resident(f"r{index:02d}") for index in range(30)]
    answers = await asyncio.gather(
        *(people.session_mutation("signUpForSession", {"sessionId": session["id"]}, as_=token) for token in residents)
    )
    assert all(answer["errors"] == [] for answer in answers)
    assert Counter(answer["session"]["mySignUp"] for answer in answers) == {"CONFIRMED": 20, "WAITING": 10}
    query = "query($i: ID!) { activitySession(id: $i) { confirmedCount waitingCount confirmedPeople waitingPeople } }"
    before = (await people.client.data(query, {"i": session["id"]}, as_=people.staff))["activitySession"]
    assert (before["confirmedCount"], before["waitingCount"], len(set(before["confirmedPeople"] + before["waitingPeople"]))) == (20, 10, 30)
    first_waiting, leaving = before["waitingPeople"][0], before["confirmedPeople"][5]

    left = await people.session_mutation("withdrawFromSession", {"sessionId": session["id"]}, as_=people.resident(leaving))
    assert left["errors"] == []
    assert left["session"]["mySignUp"] == "NONE"
    after = (await people.client.data(query, {"i": session["id"]}, as_=people.staff))["activitySession"]
    assert (after["confirmedCount"], after["waitingCount"]) == (20, 9)
    assert after["confirmedPeople"][-1] == first_waiting
    assert leaving not in after["confirmedPeople"] + after["waitingPeople"]
    assert after["waitingPeople"] == before["waitingPeople"][1:]
    again = await people.session_mutation("signUpForSession", {"sessionId": session["id"]}, as_=people.resident(first_waiting))
    assert again["session"]["mySignUp"] == "CONFIRMED"  # signing up twice changes nothing
    await people.settle()
    assert [notice["kind"] for notice in await people.notices(people.resident(first_waiting))] == ["SIGNUP_CONFIRMED"]
    assert (await people.client.data(query, {"i": session["id"]}, as_=people.resident("r00")))["activitySession"]["confirmedPeople"] is None
