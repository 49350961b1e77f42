"""Every mutation of every subgraph is either shown audited by a test, or listed here with why.

A new mutation fails this suite until someone says how its change reaches the audit trail: a test
that reads its entry back (``COVERED``), or the event whose old and new values the entry is made from,
or why it is no change to a community's record (``LISTED``). The events named must be in the README's
event catalog and bound by the audit service's consumer.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from services.audit.consumers import BINDINGS
from services.common.settings import Settings

SERVICES = ("needs", "claims", "orgs", "events", "notices", "people", "disclosure", "audit", "evidence")
EVERY = "tests.audit.test_every_change"
NEEDS = f"{EVERY}::test_a_needs_classification_edits_support_merge_and_item_revision_keep_old_and_new"
CLAIMS = f"{EVERY}::test_a_projects_training_rectification_rating_and_meetings_keep_old_and_new"
ORGS = f"{EVERY}::test_an_organizations_members_and_management_group_keep_old_and_new_masked_for_residents"
PEOPLE_TEST = f"{EVERY}::test_an_activity_sessions_sign_ups_move_and_cancellation_keep_old_and_new"
ATTENDANCE = f"{EVERY}::test_attendance_check_in_out_recorded_and_confirmed_keeps_old_and_new"
TRAIL = "tests.audit.test_audit_trail"
REGISTER = "tests.audit.test_register_audited::test_registering_updating_and_a_certificate_are_audited_and_erased_on_request"

COVERED: dict[str, tuple[str, str]] = {
    # mutation: (the test reading its entry back, what in the test's source runs the mutation)
    "submitNeed": (NEEDS, '"submitNeed"'),
    "reviseNeed": (NEEDS, '"reviseNeed"'),
    "supportNeed": (NEEDS, '"supportNeed"'),
    "withdrawSupport": (NEEDS, '"withdrawSupport"'),
    "classifyNeed": (NEEDS, '"classifyNeed"'),
    "mergeNeed": (NEEDS, '"mergeNeed"'),
    "acceptNeed": (f"{TRAIL}::test_a_status_change_keeps_the_old_and_new_status", '"acceptNeed"'),
    "createServiceItem": (NEEDS, '"createServiceItem"'),
    "reviseServiceItem": (NEEDS, '"reviseServiceItem"'),
    "submitClaim": (CLAIMS, "community.claim("),
    "decideClaim": (CLAIMS, "community.approve("),
    "recordTraining": (CLAIMS, '"recordTraining"'),
    "recordSupervision": (CLAIMS, '"recordSupervision"'),
    "recordRectification": (CLAIMS, '"recordRectification"'),
    "reportProgress": (CLAIMS, "community.finish("),
    "completeProject": (CLAIMS, "community.finish("),
    "rateProject": (CLAIMS, '"rateProject"'),
    "replanMeeting": (CLAIMS, '"replanMeeting"'),
    "cancelMeeting": (CLAIMS, '"cancelMeeting"'),
    "registerOrganization": (ORGS, "community.organization("),
    "addOrganizationMember": (ORGS, '"addOrganizationMember"'),
    "removeOrganizationMember": (ORGS, '"removeOrganizationMember"'),
    "setOrganizationManagementGroup": (ORGS, '"setOrganizationManagementGroup"'),
    "updateOrganizationProfile": (f"{TRAIL}::test_an_edit_keeps_who_when_and_each_fields_old_and_new_value", "await rename(demo)"),
    "signUpForSession": (PEOPLE_TEST, '"signUpForSession"'),
    "withdrawFromSession": (PEOPLE_TEST, '"withdrawFromSession"'),
    "moveActivitySession": (PEOPLE_TEST, '"moveActivitySession"'),
    "cancelActivitySession": (PEOPLE_TEST, '"cancelActivitySession"'),
    "checkIn": (ATTENDANCE, '"checkIn"'),
    "checkOut": (ATTENDANCE, '"checkOut"'),
    "recordAttendance": (ATTENDANCE, '"recordAttendance"'),
    "confirmAttendance": (ATTENDANCE, '"confirmAttendance"'),
    "registerVolunteer": (REGISTER, '"registerVolunteer"'),
    "issueVolunteerCertificate": (REGISTER, '"issueVolunteerCertificate"'),
    "setDisclosurePeriod": (f"{TRAIL}::test_changing_the_disclosure_period_is_audited_with_the_old_and_new_period", "setDisclosurePeriod("),
}

TRANSITION = "a status move: the entry is the event's status and previous_status (as acceptNeed's, tested)"
CREATION = "a new record: the entry lists each value the event recorded, old null (as submitNeed's, tested)"
ADDED = "a part added to the record: each of its fields in the event's changes, old null (as recordSupervision's, tested)"
NOT_A_RECORD = "not audited: no record of a community changes"
LISTED: dict[str, tuple[tuple[str, ...], str]] = {
    # mutation: (the events its entries are made from, why it needs no test of its own / why it is not audited)
    "startNeedReview": (("needs.need.status_changed.v1",), TRANSITION),
    "rejectNeed": (("needs.need.rejected.v1",), TRANSITION),
    "withdrawNeed": (("needs.need.status_changed.v1",), TRANSITION),
    "publishServiceItem": (("needs.item.published.v1",), TRANSITION),
    "cancelServiceItem": (("needs.item.cancelled.v1",), TRANSITION),
    "reopenServiceItem": (("needs.item.published.v1",), TRANSITION + "; the claim window's old and new value in changes"),
    "shortlistClaim": (("claims.claim.shortlisted.v1",), TRANSITION),
    "withdrawClaim": (("claims.claim.withdrawn.v1",), TRANSITION),
    "terminateClaim": (("claims.claim.terminated.v1",), TRANSITION),
    "startImplementation": (("claims.project.started.v1",), TRANSITION),
    "evaluateProject": (("claims.project.evaluated.v1",), TRANSITION + "; the rubric, summary, score and grade in changes"),
    "concludeMeeting": (("claims.meeting.concluded.v1",), TRANSITION + "; decisions and minutes as recorded"),
    "scheduleMeeting": (("claims.meeting.scheduled.v1",), CREATION),
    "recordDisbursement": (("claims.project.funds_disbursed.v1",), ADDED),
    "registerDistrict": (("orgs.district.registered.v1",), CREATION),
    "registerStreet": (("orgs.street.registered.v1",), CREATION),
    "registerCommunity": (("orgs.community.registered.v1",), CREATION),
    "recordOrganizationSupport": (("orgs.org.support_recorded.v1",), CREATION),
    "changeOrganizationLeader": (("orgs.org.leader_changed.v1",), "the leader's member id, previous and new"),
    "changeOrganizationStage": (("orgs.org.stage_changed.v1",), "the stage, previous and new"),
    "changeOrganizationStatus": (("orgs.org.status_changed.v1",), TRANSITION),
    "requestCommunityService": (("orgs.org.service_requested.v1", "orgs.org.service_granted.v1"), "the link's status, old and new"),
    "acceptCommunityService": (("orgs.org.service_granted.v1",), "the link's status, old and new, in changes"),
    "declineCommunityService": (("orgs.org.service_declined.v1",), "the link's status, old and new, in changes"),
    "endCommunityService": (("orgs.org.service_ended.v1",), "the link's status, old and new, in changes"),
    "applyForOrganization": (("orgs.application.submitted.v1",), CREATION),
    "approveOrganizationApplication": (("orgs.application.approved.v1", "orgs.org.registered.v1"), TRANSITION),
    "returnOrganizationApplication": (("orgs.application.returned.v1",), TRANSITION),
    "resubmitOrganizationApplication": (("orgs.application.submitted.v1",), TRANSITION + "; the fields changed in changes"),
    "withdrawOrganizationApplication": (("orgs.application.withdrawn.v1",), TRANSITION),
    "setRetentionPeriod": (("orgs.district.retention_set.v1",), "the days, previous and new"),
    "exportMyPersonalData": (("orgs.subject.export_requested.v1",), "a resident's request, chained as an entry; it changes no record"),
    "requestPersonalDataErasure": (
        ("orgs.subject.erasure_requested.v1",),
        "the request is chained as an entry; the anonymising in each service is the privacy work's and emits no event of its own",
    ),
    "scheduleActivitySessions": (("people.sessions.scheduled.v1",), CREATION + " (the series; each session's own trail follows)"),
    **dict.fromkeys(
        ("rebuildNeedStatistics", "rebuildClaimStatistics", "rebuildOrganizationStats"),
        ((), NOT_A_RECORD + ": recounts a read model from the records; no record changes"),
    ),
    "issueCheckInCode": ((), "NOT AUDITED by design: a session's fresh check-in code is a secret, kept only as its hash"),
    "requestEvidenceUpload": (("evidence.evidence.attached.v1",), CREATION + ": the file attached, once uploaded, is the record"),
    **dict.fromkeys(
        ("registerWebhook", "updateWebhook", "pauseWebhook", "resumeWebhook", "renewWebhook", "rotateWebhookSecret"),
        ((), NOT_A_RECORD + ": a partner's own webhook subscription; the events service keeps its delivery log"),
    ),
    **dict.fromkeys(
        ("deleteWebhook", "revokeWebhookAccess", "redeliverWebhook"),
        ((), NOT_A_RECORD + ": a partner's own webhook subscription; the events service keeps its delivery log"),
    ),
    **dict.fromkeys(("markNoticesRead", "setNoticePreferences"), ((), NOT_A_RECORD + ": a person's own inbox and channels")),
}


def mutations() -> dict[str, str]:
    """Every mutation of every subgraph, with its service."""
    settings = Settings(mongodb_url="memory://", amqp_url="")
    found: dict[str, str] = {}
    for service in SERVICES:
        schema = importlib.import_module(f"services.{service}.schema").build_schema(settings)
        root = schema._schema.mutation_type
        for name in root.fields if root is not None else ():
            found[name] = service
    return found


def catalog() -> set[str]:
    """The routing keys the README's event catalog lists as published."""
    keys: set[str] = set()
    for line in (Path(__file__).parents[2] / "README.md").read_text().splitlines():
        if line.startswith("| ") and "publishes" in line.split("|")[1]:
            for prefix, names in re.findall(r"`([a-z_]+\.[a-z_]+\.)([a-z_\\|]+)\.v1`", line):
                keys |= {f"{prefix}{name}.v1" for name in names.split("\\|")}
    return keys


def test_every_mutation_is_shown_audited_by_a_test_or_listed_with_why() -> None:
    found = mutations()

    assert sorted(set(found) - set(COVERED) - set(LISTED)) == [], "a mutation nobody said how it is audited"
    assert sorted((set(COVERED) | set(LISTED)) - set(found)) == [], "listed mutations that no longer exist"
    assert sorted(set(COVERED) & set(LISTED)) == []
    assert all(reason.strip() for _, reason in LISTED.values())


@pytest.mark.parametrize("mutation", sorted(COVERED))
def test_a_covering_test_exists_and_runs_the_mutation(mutation: str) -> None:
    test, runs = COVERED[mutation]
    module, function = test.split("::")

    source = inspect.getsource(getattr(importlib.import_module(module), function))

    assert runs in source


def test_the_events_audited_entries_come_from_are_in_the_catalog_and_bound_by_the_audit_service() -> None:
    named = {key for keys, reason in LISTED.values() if not reason.startswith(("NOT AUDITED", NOT_A_RECORD)) for key in keys}
    published = catalog()

    assert sorted(named - published) == []
    assert {"needs.need.classified.v1", "needs.item.revised.v1", "claims.project.rated.v1", "claims.meeting.replanned.v1"} <= published
    assert sorted(key for key in named if not any(key.startswith(binding.removesuffix("#")) for binding in BINDINGS)) == []
    assert [reason for keys, reason in LISTED.values() if not keys and not reason.startswith(("NOT AUDITED", NOT_A_RECORD))] == []
