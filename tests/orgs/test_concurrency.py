"""Concurrent stage changes of one organization apply one at a time, in order, and none is lost."""

from __future__ import annotations

import asyncio
from itertools import pairwise

from tests.orgs.conftest import Orgs

STAGES = ["NEEDS_ASSESSMENT", "SERVICE_ACTIVITIES", "ACTIVITY_PROJECTS", "PROJECT_ORGANIZATION", "PUBLIC_WELFARE_ORGANIZATION"]


async def _step(orgs: Orgs, organization_id: str, stage: str, reason: str) -> list[dict[str, str]]:
    payload = await orgs.mutate(
        "changeOrganizationStage",
        {"organizationId": organization_id, "stage": stage, "reason": reason},
        "organization { stage }",
        as_=orgs.staff,
    )
    errors: list[dict[str, str]] = payload["errors"]
    return errors


async def test_racing_requests_for_the_same_next_stage_apply_exactly_once(orgs: Orgs) -> None:
    organization = await orgs.registered()

    results = await asyncio.gather(*(_step(orgs, organization["id"], "SERVICE_ACTIVITIES", f"第{n}次申请") for n in range(12)))

    assert sum(1 for errors in results if not errors) == 1
    assert all(errors[0]["field"] == "stage" for errors in results if errors)  # the others are told it is already there
    history = (await orgs.client.data('query($id: ID!) { organization(id: $id) { stageHistory { fromStage toStage } } }', {"id": organization["id"]}, as_=orgs.staff))  # fmt: skip
    assert history["organization"]["stageHistory"] == [
        {"fromStage": None, "toStage": "NEEDS_ASSESSMENT"},  # registration
        {"fromStage": "NEEDS_ASSESSMENT", "toStage": "SERVICE_ACTIVITIES"},
    ]


async def test_racing_steps_along_the_path_leave_an_unbroken_forward_history(orgs: Orgs) -> None:
    organization = await orgs.registered()

    for _ in range(len(STAGES)):  # every round sends every forward step at once; only the one next in line can apply
        await asyncio.gather(*(_step(orgs, organization["id"], stage, f"进入{stage}") for stage in STAGES[1:] for _ in range(3)))

    data = await orgs.client.data('query($id: ID!) { organization(id: $id) { stage stageHistory { fromStage toStage } } }', {"id": organization["id"]}, as_=orgs.staff)  # fmt: skip
    history = [(change["fromStage"], change["toStage"]) for change in data["organization"]["stageHistory"]]
    assert history == [(None, STAGES[0]), *pairwise(STAGES)]
    assert data["organization"]["stage"] == STAGES[-1]
    await orgs.settle()
    assert [event.data["stage"] for event in orgs.of("orgs.org.stage_changed.v1")] == [stage.lower() for stage in STAGES[1:]]
