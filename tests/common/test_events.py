"""The CloudEvents envelope."""

from __future__ import annotations

import json

import pytest

from services.common.events import Event, InvalidEvent, new_event


def test_round_trip_keeps_every_attribute() -> None:
    event = new_event("needs.need.submitted.v1", service="needs", community="c1", data={"need_id": "n1", "title": "楼道灯"}, subject="n1")

    parsed = Event.from_json(event.to_json())

    assert parsed == event
    assert parsed.routing_key == "needs.need.submitted.v1"


def test_wire_form_is_structured_cloudevents_1_0() -> None:
    event = new_event("needs.item.published.v1", service="needs", community="c9", data={"item_id": "i1"})

    wire = json.loads(event.to_json())

    assert wire["specversion"] == "1.0"
    assert wire["type"] == "org.renling.needs.item.published.v1"
    assert wire["source"] == "/communities/c9/needs"
    assert wire["community"] == "c9"
    assert wire["datacontenttype"] == "application/json"
    assert wire["data"] == {"item_id": "i1"}
    assert wire["id"] == event.id


def test_outbox_document_round_trip() -> None:
    event = new_event("needs.need.accepted.v1", service="needs", community="c1", data={"need_id": "n1"})

    assert Event.from_document(event.to_document()) == event


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "org.renling.a.b.c.v1", "data": {}}',
        b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "com.other.thing", "community": "c", "data": {}}',
        b'{"specversion": "1.0", "id": "", "source": "/x", "type": "org.renling.a.b.c.v1", "community": "c", "data": {}}',
        b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "org.renling.a.b.c.v1", "community": "c", "data": "text"}',
    ],
    ids=["not-json", "no-community", "foreign-type", "empty-id", "data-not-object"],
)
def test_rejects_what_is_not_our_cloudevent(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        Event.from_json(body)
