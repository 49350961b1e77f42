"""Demo sessions for ``make up``: the weekly 太极拳进楼门 of 左安浦园, with sign-ups (their notices follow by events)."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

from services.common.identity import Principal, Role
from services.people.domain import CHINA, SessionPlan
from services.people.handlers import PeopleHandlers

__all__ = ["DEMO_ACTIVITY", "load_people_demo"]

DEMO_ACTIVITY = "太极拳进楼门"
DEMO_RESIDENTS = ("resident-wang", "resident-li", "resident-zhang")


async def load_people_demo(handlers: PeopleHandlers, community_id: str, *, within: float = 15.0) -> bool:
    """Plan the activity's sessions (Tuesdays and Fridays at 7:30 for six weeks) and sign three residents up; idempotent.

    The people service learns of the item by its published event: wait for it (False if it never came).
    """
    store = handlers.store
    deadline = asyncio.get_running_loop().time() + within
    while (item := await store.items.find_one({"community_id": community_id, "title": DEMO_ACTIVITY})) is None:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)
    staff = Principal(subject=f"staff-{community_id}", roles=frozenset({Role.COMMUNITY_STAFF}), communities=frozenset({community_id}))
    today = datetime.now(CHINA).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    first = datetime.combine(tuesday, time(7, 30), CHINA)
    plan = SessionPlan(item["_id"], community_id, "", first, timedelta(minutes=90), "3号楼前空地", 20, "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=12")
    sessions = await handlers.sessions.schedule(staff, item["_id"], plan, idempotency_key=f"demo-{DEMO_ACTIVITY}")
    for resident in DEMO_RESIDENTS:
        person = Principal(subject=resident, roles=frozenset({Role.RESIDENT}), communities=frozenset({community_id}))
        await handlers.sessions.sign_up(person, sessions[0].id)
    return True
