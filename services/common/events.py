"""The event envelope: CloudEvents 1.0 in structured JSON mode, with the ``community`` extension (and, while
tracing is on, the distributed-tracing extension ``traceparent``).

An :class:`Event` is an immutable fact. Its ``type`` is ``org.renling.`` + the routing key
(``<service>.<aggregate>.<event>.v1``); its ``id`` is the dedupe key every consumer records.
Serialization goes through the CloudEvents SDK so that what we put on the wire is validated
against the specification, not against our own reading of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from services.common.tracing import current_traceparent

__all__ = ["EVENT_TYPE_PREFIX", "Event", "InvalidEvent", "new_event"]

EVENT_TYPE_PREFIX = "org.renling."
_FORMAT = JSONFormat()


class InvalidEvent(ValueError):
    """Bytes that are not a CloudEvent of ours: such a message can never be handled."""


@dataclass(frozen=True, slots=True)
class Event:
    """One domain event, as stored in an outbox and carried on the bus."""

    id: str
    type: str
    source: str
    community: str
    time: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    subject: str | None = None
    traceparent: str | None = None
    """W3C trace context of the span that made (or published) it: the CloudEvents distributed-tracing extension."""

    @property
    def routing_key(self) -> str:
        """``needs.need.submitted.v1`` for ``org.renling.needs.need.submitted.v1``."""
        return self.type.removeprefix(EVENT_TYPE_PREFIX)

    def to_document(self) -> dict[str, Any]:
        """The form kept in an outbox array inside an aggregate's document."""
        document = {
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "community": self.community,
            "time": self.time,
            "data": dict(self.data),
            "subject": self.subject,
        }
        if self.traceparent is not None:
            document["traceparent"] = self.traceparent
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Event:
        """Inverse of :meth:`to_document`; stores may hand back naive UTC datetimes."""
        time = document["time"]
        if time.tzinfo is None:
            time = time.replace(tzinfo=UTC)
        return cls(
            id=document["id"],
            type=document["type"],
            source=document["source"],
            community=document["community"],
            time=time,
            data=document.get("data") or {},
            subject=document.get("subject"),
            traceparent=document.get("traceparent"),
        )

    def to_json(self) -> bytes:
        """Structured-mode CloudEvents JSON (``application/cloudevents+json``)."""
        attributes: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "source": self.source,
            "time": self.time,
            "datacontenttype": "application/json",
            "community": self.community,
        }
        if self.subject is not None:
            attributes["subject"] = self.subject
        if self.traceparent is not None:
            attributes["traceparent"] = self.traceparent
        return _FORMAT.write(CloudEvent(attributes, dict(self.data)))

    @classmethod
    def from_json(cls, body: bytes) -> Event:
        """Parse and validate a structured-mode CloudEvent; raise :class:`InvalidEvent`."""
        try:
            cloud_event = _FORMAT.read(None, body)
        except (BaseCloudEventException, ValueError, KeyError, TypeError) as error:
            raise InvalidEvent(f"not a CloudEvent: {error}") from error
        community = cloud_event.get_extension("community")
        traceparent = cloud_event.get_extension("traceparent")
        data = cloud_event.get_data()
        time = cloud_event.get_time()
        if not isinstance(community, str) or not community:
            raise InvalidEvent("the `community` extension is missing")
        if not isinstance(data, dict):
            raise InvalidEvent("`data` must be a JSON object")
        if not cloud_event.get_type().startswith(EVENT_TYPE_PREFIX):
            raise InvalidEvent(f"unknown event type {cloud_event.get_type()!r}")
        return cls(
            id=cloud_event.get_id(),
            type=cloud_event.get_type(),
            source=cloud_event.get_source(),
            community=community,
            time=time if time is not None else datetime.now(UTC),
            data=data,
            subject=cloud_event.get_subject(),
            traceparent=traceparent if isinstance(traceparent, str) else None,
        )


def new_event(
    routing_key: str,
    *,
    service: str,
    community: str,
    data: Mapping[str, Any],
    subject: str | None = None,
    time: datetime | None = None,
) -> Event:
    """A fresh event with a new id: ``new_event("needs.need.submitted.v1", service="needs", …)``."""
    return Event(
        id=str(uuid.uuid4()),
        type=EVENT_TYPE_PREFIX + routing_key,
        source=f"/communities/{community}/{service}",
        community=community,
        time=time or datetime.now(UTC),
        data=data,
        subject=subject,
        traceparent=current_traceparent(),
    )
