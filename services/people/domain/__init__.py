"""Pure domain of the people service: sessions, attendance, volunteers, certificates and matching."""

from services.people.domain.attendance import Attendance, attendance_id, code_hash, code_matches, new_code, served_minutes
from services.people.domain.certificate import Certificate, ServiceLine, new_verification_code
from services.people.domain.matching import Match, bigrams, rank_similar
from services.people.domain.sessions import CHINA, Session, SessionPlan, SessionStatus, expand, plan_sessions
from services.people.domain.volunteers import Volunteer, masked, volunteer_id

__all__ = [
    "CHINA",
    "Attendance",
    "Certificate",
    "Match",
    "ServiceLine",
    "Session",
    "SessionPlan",
    "SessionStatus",
    "Volunteer",
    "attendance_id",
    "bigrams",
    "code_hash",
    "code_matches",
    "expand",
    "masked",
    "new_code",
    "new_verification_code",
    "plan_sessions",
    "rank_similar",
    "served_minutes",
    "volunteer_id",
]
