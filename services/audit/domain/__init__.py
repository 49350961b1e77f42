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

__all__ = [
    "GENESIS",
    "PERSONAL_FIELDS",
    "AuditEntry",
    "ChainCheck",
    "Change",
    "draft_entry",
    "is_personal",
    "masked",
    "reading",
    "seal",
    "verify",
]
