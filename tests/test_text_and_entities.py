"""From finding 8: control and bidirectional-override characters refused in every input; claims' ``_entities`` keeps its access rule.

The text rule lives once in the kernel (``services.common.text``) and every subgraph applies it to
every mutation's input: each mutation of the graph (the tenancy matrix's rows) with a U+202E
in one of its strings answers ``INVALID_CHARACTERS`` naming that field, and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common.identity import Role
from services.demo import DISTRICT, HOME
from services.demo.places import NEIGHBOUR
from tests.demo_graph import DemoGraph, demo_graph
from tests.test_tenancy_matrix import SNAPSHOT, Graph, _targets, cells

NOT_TEXT = re.compile(r"^([A-Z][A-Z_]*|\d{4}-\d{2}-\d{2}.*)$")  # enum values and dates are not free text
SUBMIT = "mutation($i: SubmitNeedInput!) { submitNeed(input: $i) { need { id description } errors { code field message } } }"


@pytest.fixture
async def graph() -> AsyncIterator[DemoGraph]:
    async with demo_graph() as graph:
        yield graph


def poisoned(value: Any, path: str = "") -> tuple[Any, str] | None:
    """``value`` with U+202E appended to its first free-text string, and that string's path."""
    if isinstance(value, str):
        return (value + "\u202e", path) if not NOT_TEXT.match(value) else None
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    for key, item in items:
        found = poisoned(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            copy = dict(value) if isinstance(value, dict) else list(value)
            copy[key] = found[0]
            return copy, found[1]
    return None


WITHOUT_TEXT = {"setNoticePreferences"}
"""Mutations whose matrix input holds no string at all (only enums), so there is nothing to poison."""


def errors_of(body: dict[str, Any], name: str) -> list[tuple[str, str]]:
    assert "errors" not in body, body
    return [(error["code"], error["field"]) for error in body["data"][name]["errors"]]


async def test_every_mutation_refuses_a_bidi_override_in_its_input_naming_the_field_and_changes_nothing(graph: DemoGraph) -> None:
    admin = graph.token("admin-home", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    matrix = Graph(graph.settings, graph.client, graph.services)
    before = await graph.client.data(SNAPSHOT, as_=admin)
    answers = {}
    for name, input in cells(await _targets(matrix, admin)).items():
        found = poisoned(input)
        if name in WITHOUT_TEXT:
            assert found is None, name
            continue
        assert found is not None, name
        type_name = name[0].upper() + name[1:] + "Input"
        body = await graph.client.post(
            f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ errors {{ code field }} }} }}", {"i": found[0]}, as_=admin
        )
        answers[name] = (errors_of(body, name), found[1])
    after = await graph.client.data(SNAPSHOT, as_=admin)

    assert {name: codes for name, (codes, field) in answers.items() if codes != [("INVALID_CHARACTERS", field)]} == {}
    assert len(answers) > 50
    assert after == before


@pytest.mark.parametrize("route", ["gateway", "subgraph"])
async def test_single_line_fields_refuse_control_characters_and_multi_line_ones_keep_line_breaks(graph: DemoGraph, route: str) -> None:
    client = graph.services["needs"] if route == "subgraph" else graph.client
    resident = graph.token("resident-home", roles=[Role.RESIDENT], communities=[HOME])
    cases = {
        "nul in the title": ({"title": "灯\x00坏了"}, [("INVALID_CHARACTERS", "title")]),
        "escape in the title": ({"title": "灯\x1b[31m坏了"}, [("INVALID_CHARACTERS", "title")]),
        "line break in the title": ({"title": "灯\n坏了"}, [("INVALID_CHARACTERS", "title")]),
        "isolate in the location": ({"title": "灯坏了", "location": "3号楼\u2066"}, [("INVALID_CHARACTERS", "location")]),
        "nul in the description": ({"title": "灯坏了", "description": "第一行\x00"}, [("INVALID_CHARACTERS", "description")]),
        "override in the description": ({"title": "灯坏了", "description": "\u202dtxt.exe"}, [("INVALID_CHARACTERS", "description")]),
    }
    answers = {}
    for case, (fields, _) in cases.items():
        body = await client.post(SUBMIT, {"i": {"communityId": HOME, **fields}}, as_=resident)
        answers[case] = errors_of(body, "submitNeed")
    kept = await client.data(SUBMIT, {"i": {"communityId": HOME, "title": "灯坏了", "description": "第一行\n\t第二行"}}, as_=resident)

    assert answers == {case: expected for case, (_, expected) in cases.items()}
    assert kept["submitNeed"]["errors"] == []
    assert kept["submitNeed"]["need"]["description"] == "第一行\n\t第二行"


async def test_the_claims_subgraph_answers_slots_left_only_to_the_items_community(graph: DemoGraph) -> None:
    admin = graph.token("admin-home", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    items = await graph.client.data(
        f'{{ serviceItems(first: 50, filter: {{communityIds: ["{HOME}"]}}) {{ edges {{ node {{ id status }} }} }} }}', as_=admin
    )
    item_id = next(edge["node"]["id"] for edge in items["serviceItems"]["edges"] if edge["node"]["status"] == "PUBLISHED")
    query = f'{{ _entities(representations: [{{__typename: "ServiceItem", id: "{item_id}"}}]) {{ ... on ServiceItem {{ slotsLeft }} }} }}'
    claims = graph.services["claims"]

    anonymous = await claims.post(query)
    outsider = await claims.data(query, as_=graph.token("neighbour", roles=[Role.RESIDENT], communities=[NEIGHBOUR]))
    insider = await claims.data(query, as_=graph.token("resident-home", roles=[Role.RESIDENT], communities=[HOME]))
    through_gateway = await graph.client.post(f'{{ serviceItem(id: "{item_id}") {{ slotsLeft }} }}')

    assert {error["extensions"]["code"] for error in anonymous.get("errors", [])} == {"UNAUTHENTICATED"}, anonymous
    assert not any(
        isinstance(entity, dict) and isinstance(entity.get("slotsLeft"), int)
        for entity in (anonymous.get("data") or {}).get("_entities") or []
    )
    assert outsider["_entities"] == [{"slotsLeft": None}]
    assert isinstance(insider["_entities"][0]["slotsLeft"], int)
    assert {error["extensions"]["code"] for error in through_gateway["errors"]} == {"UNAUTHENTICATED"}
    assert (through_gateway.get("data") or {}).get("serviceItem") is None
