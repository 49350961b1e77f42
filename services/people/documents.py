"""Mapping between the people domain and MongoDB documents (the only place that knows field names)."""

from __future__ import annotations

from typing import Any

from services.common.store.dates import aware, day_from_bson, day_to_bson
from services.people.domain import Attendance, Certificate, ServiceLine, Session, SessionStatus, Volunteer

__all__ = [
    "attendance_from_document",
    "attendance_to_document",
    "certificate_from_document",
    "certificate_to_document",
    "session_from_document",
    "session_to_fields",
    "volunteer_from_document",
    "volunteer_to_fields",
]


def session_to_fields(session: Session) -> dict[str, Any]:
    """The stored fields of a session (without version and outbox)."""
    return {
        "series_id": session.series_id,
        "item_id": session.item_id,
        "community_id": session.community_id,
        "title": session.title,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "venue": session.venue,
        "capacity": session.capacity,
        "organizer": session.organizer,
        "status": session.status.value,
        "confirmed": list(session.confirmed),
        "waiting": list(session.waiting),
        "cancel_reason": session.cancel_reason,
        "history": list(session.history),
    }


def session_from_document(document: dict[str, Any]) -> Session:
    """A stored session."""
    return Session(
        id=document["_id"],
        series_id=document["series_id"],
        item_id=document["item_id"],
        community_id=document["community_id"],
        title=document["title"],
        starts_at=aware(document["starts_at"]),
        ends_at=aware(document["ends_at"]),
        venue=document["venue"],
        capacity=int(document["capacity"]),
        organizer=document["organizer"],
        status=SessionStatus(document["status"]),
        confirmed=tuple(document.get("confirmed", ())),
        waiting=tuple(document.get("waiting", ())),
        cancel_reason=document.get("cancel_reason"),
        version=int(document.get("version", 0)),
        history=tuple(document.get("history", ())),
    )


def attendance_to_document(attendance: Attendance) -> dict[str, Any]:
    """The stored form of an attendance record."""
    return {
        "_id": attendance.id,
        "session_id": attendance.session_id,
        "item_id": attendance.item_id,
        "community_id": attendance.community_id,
        "person": attendance.person,
        "checked_in_at": attendance.checked_in_at,
        "checked_out_at": attendance.checked_out_at,
        "minutes": attendance.minutes,
        "confirmed_by": attendance.confirmed_by,
        "recorded_by": attendance.recorded_by,
    }


def attendance_from_document(document: dict[str, Any]) -> Attendance:
    """A stored attendance record."""
    out = document.get("checked_out_at")
    return Attendance(
        id=document["_id"],
        session_id=document["session_id"],
        item_id=document["item_id"],
        community_id=document["community_id"],
        person=document["person"],
        checked_in_at=aware(document["checked_in_at"]),
        checked_out_at=aware(out) if out else None,
        minutes=document.get("minutes"),
        confirmed_by=document.get("confirmed_by"),
        recorded_by=document.get("recorded_by"),
    )


def volunteer_to_fields(volunteer: Volunteer) -> dict[str, Any]:
    """The stored fields of a register entry."""
    return {
        "community_id": volunteer.community_id,
        "person": volunteer.person,
        "display_name": volunteer.display_name,
        "real_name": volunteer.real_name,
        "id_number": volunteer.id_number,
        "phone": volunteer.phone,
        "skills": list(volunteer.skills),
        "registered_at": volunteer.registered_at,
    }


def volunteer_from_document(document: dict[str, Any]) -> Volunteer:
    """A stored register entry."""
    return Volunteer(
        id=document["_id"],
        community_id=document["community_id"],
        person=document["person"],
        display_name=document["display_name"],
        real_name=document["real_name"],
        id_number=document.get("id_number"),
        phone=document.get("phone"),
        skills=tuple(document.get("skills", ())),
        registered_at=aware(document["registered_at"]),
        version=int(document.get("version", 0)),
    )


def certificate_to_document(certificate: Certificate) -> dict[str, Any]:
    """The stored form of an issued certificate (keyed by its verification code)."""
    return {
        "_id": certificate.code,
        "community_id": certificate.community_id,
        "community_name": certificate.community_name,
        "person": certificate.person,
        "real_name": certificate.real_name,
        "period_from": day_to_bson(certificate.period_from),
        "period_to": day_to_bson(certificate.period_to),
        "lines": [{"on": day_to_bson(line.on), "title": line.title, "minutes": line.minutes} for line in certificate.lines],
        "issued_at": certificate.issued_at,
        "issued_by": certificate.issued_by,
    }


def certificate_from_document(document: dict[str, Any]) -> Certificate:
    """A stored certificate."""
    return Certificate(
        code=document["_id"],
        community_id=document["community_id"],
        community_name=document["community_name"],
        person=document["person"],
        real_name=document["real_name"],
        period_from=day_from_bson(document["period_from"]),
        period_to=day_from_bson(document["period_to"]),
        lines=tuple(ServiceLine(day_from_bson(line["on"]), line["title"], int(line["minutes"])) for line in document["lines"]),
        issued_at=aware(document["issued_at"]),
        issued_by=document["issued_by"],
    )
