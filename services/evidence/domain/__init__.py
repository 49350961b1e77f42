"""The pure domain of the evidence service: content checks, signed links, records and who may attach or see."""

from services.evidence.domain.content import ALLOWED, Detected, check_upload, sniff
from services.evidence.domain.evidence import Evidence, EvidenceKind, Record, RecordType, may_attach, may_see
from services.evidence.domain.signing import derive_key, sign, verify

__all__ = [
    "ALLOWED",
    "Detected",
    "Evidence",
    "EvidenceKind",
    "Record",
    "RecordType",
    "check_upload",
    "derive_key",
    "may_attach",
    "may_see",
    "sign",
    "sniff",
    "verify",
]
