"""The pure domain of the audit service: entries, their chain, and who reads them unmasked."""

from services.audit.domain.access import reading
from services.audit.domain.entry import (
    GENESIS,
    PERSONAL_FIELDS,
    AuditEntry,
    ChainCheck,
    Change,
    draft_entry,
    is_personal,
    masked,
    seal,
    verify,
)
from services.audit.domain.redaction import ERASURE, RETENTION, erased, mentions, naming, unerased
from services.audit.domain.sealing import Sealed

__all__ = [
    "ERASURE",
    "GENESIS",
    "PERSONAL_FIELDS",
    "RETENTION",
    "AuditEntry",
    "ChainCheck",
    "Change",
    "Sealed",
    "draft_entry",
    "erased",
    "is_personal",
    "masked",
    "mentions",
    "naming",
    "reading",
    "seal",
    "unerased",
    "verify",
]
