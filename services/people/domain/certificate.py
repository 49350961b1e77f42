"""The volunteer service record (志愿服务记录证明): a person's confirmed hours in a period, with a code anyone can check."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from services.common.domain import Invalid
from services.common.events import Event, new_event

__all__ = [
    "CERTIFICATE_ISSUED",
    "Certificate",
    "ServiceLine",
    "certificate_record_id",
    "check_period",
    "issued_event",
    "new_verification_code",
]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """16 characters from an alphabet without look-alikes (0/O, 1/I), grouped by four."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[index : index + 4] for index in range(0, 16, 4))


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One confirmed session on the record."""

    on: date
    title: str
    minutes: int


@dataclass(frozen=True, slots=True)
class Certificate:
    """What the record says, as issued (it does not change when later hours are confirmed)."""

    code: str
    community_id: str
    community_name: str
    person: str
    real_name: str
    period_from: date
    period_to: date
    lines: tuple[ServiceLine, ...]
    issued_at: datetime
    issued_by: str

    @property
    def minutes(self) -> int:
        """Total confirmed minutes of the period."""
        return sum(line.minutes for line in self.lines)

    @property
    def hours(self) -> float:
        """Total hours, to a tenth."""
        return round(self.minutes / 60, 1)


def check_period(period_from: date, period_to: date) -> None:
    """A period runs forward and spans at most ten years."""
    if period_to < period_from:
        raise Invalid("the period ends before it starts", field="to")
    if (period_to - period_from).days > 3660:
        raise Invalid("a period spans at most ten years", field="to")


CERTIFICATE_ISSUED = "people.certificate.issued.v1"
"""A service record was issued: whose, for which period, how many minutes, by whom."""


def certificate_record_id(code: str) -> str:
    """The certificate's id in events and the audit trail: a digest of its code (the code itself lets anyone check
    the certificate, so it is not spread)."""
    return "certificate-" + hashlib.sha256(code.encode()).hexdigest()[:24]


def issued_event(certificate: Certificate) -> Event:
    """``people.certificate.issued.v1`` (the real name is personal: the audit trail keeps it erasable)."""
    subject = certificate_record_id(certificate.code)
    data = {
        "certificate_id": subject, "community_id": certificate.community_id, "person": certificate.person,
        "real_name": certificate.real_name, "period_from": certificate.period_from.isoformat(),
        "period_to": certificate.period_to.isoformat(), "minutes": certificate.minutes, "actor": certificate.issued_by,
    }  # fmt: skip
    return new_event(
        CERTIFICATE_ISSUED, service="people", community=certificate.community_id, subject=subject, time=certificate.issued_at, data=data
    )
