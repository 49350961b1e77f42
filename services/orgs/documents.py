"""Mapping between the orgs domain's aggregates and their MongoDB documents."""

from __future__ import annotations

from typing import Any

from services.common.store import Document
from services.common.store.dates import aware, day_from_bson, day_to_bson, optional_day_from_bson, optional_day_to_bson
from services.common.store.search import SEARCH_GRAMS, grams_of
from services.orgs.domain import (
    ActivityField,
    Community,
    District,
    FilingStatus,
    Member,
    Mentor,
    Organization,
    OrganizationKind,
    Profile,
    Purpose,
    Stage,
    StageChange,
    StatusChange,
    Street,
    Succession,
    SupportKind,
    SupportRecord,
    TrackRecord,
)
from services.orgs.domain.service_links import ServiceLink, ServiceLinkStatus, granted_ids, requested_ids

__all__ = [
    "community_fields",
    "community_from_document",
    "district_fields",
    "district_from_document",
    "organization_fields",
    "organization_from_document",
    "street_fields",
    "street_from_document",
]


def district_fields(district: District) -> dict[str, Any]:
    """A district's fields."""
    return {
        "name": district.name,
        "registered_at": district.registered_at,
        "registered_by": district.registered_by,
        "retention_days": district.retention_days,
    }


def district_from_document(document: Document) -> District:
    """A district."""
    return District(
        document["_id"],
        document["name"],
        aware(document["registered_at"]),
        document["registered_by"],
        document["version"],
        document.get("retention_days"),
    )


def street_fields(street: Street) -> dict[str, Any]:
    """A street's fields."""
    return {
        "district_id": street.district_id,
        **district_fields(District(street.id, street.name, street.registered_at, street.registered_by)),
    }


def street_from_document(document: Document) -> Street:
    """A street."""
    return Street(
        document["_id"],
        document["district_id"],
        document["name"],
        aware(document["registered_at"]),
        document["registered_by"],
        document["version"],
    )


def community_fields(community: Community) -> dict[str, Any]:
    """A community's fields."""
    return {
        "district_id": community.district_id,
        "street_id": community.street_id,
        "name": community.name,
        "address": community.address,
        "registered_at": community.registered_at,
        "registered_by": community.registered_by,
    }


def community_from_document(document: Document) -> Community:
    """A community."""
    return Community(
        id=document["_id"],
        district_id=document["district_id"],
        street_id=document["street_id"],
        name=document["name"],
        address=document["address"],
        registered_at=aware(document["registered_at"]),
        registered_by=document["registered_by"],
        version=document["version"],
    )


def organization_fields(organization: Organization) -> dict[str, Any]:
    """Every domain field of an organization, plus the denormalized ones queries filter on."""
    profile = organization.profile
    record = organization.track_record
    return {
        "community_id": organization.community_id,
        "served_community_ids": list(profile.served_community_ids),
        "requested_community_ids": list(requested_ids(organization.service_links)),
        "service_links": [
            {
                "community_id": link.community_id,
                "status": link.status.value,
                "requested_by": link.requested_by,
                "requested_at": link.requested_at,
                "decided_by": link.decided_by,
                "decided_at": link.decided_at,
                "reason": link.reason,
            }
            for link in organization.service_links
        ],
        "kind": organization.kind.value,
        "founded_on": day_to_bson(organization.founded_on),
        "dissolved_on": optional_day_to_bson(organization.dissolved_on),
        "name": profile.name,
        "purpose": profile.purpose.value,
        "fields": [field.value for field in profile.fields],
        "description": profile.description,
        SEARCH_GRAMS: grams_of((profile.name, profile.description)),
        "mentors": [{"name": m.name, "expertise": m.expertise, "affiliation": m.affiliation} for m in profile.mentors],
        "partner_ids": list(profile.partner_ids),
        "status": organization.status.value,
        "status_since": day_to_bson(organization.status_since),
        "members": [
            {"id": m.id, "name": m.name, "phone": m.phone, "joined_on": optional_day_to_bson(m.joined_on), "account": m.account}
            for m in organization.members
        ],
        "leader_id": organization.leader_id,
        "management_group": list(organization.management_group),
        "stage": organization.stage.value,
        "registered_by": organization.registered_by,
        "registered_at": organization.registered_at,
        "updated_at": organization.updated_at,
        "status_history": [
            {
                "action": c.action,
                "from": c.from_status.value if c.from_status else None,
                "to": c.to_status.value,
                "effective_on": day_to_bson(c.effective_on),
                "actor": c.actor,
                "at": c.at,
                "reason": c.reason,
            }
            for c in organization.status_history
        ],
        "stage_history": [
            {
                "from": c.from_stage.value if c.from_stage else None,
                "to": c.to_stage.value,
                "actor": c.actor,
                "at": c.at,
                "reason": c.reason,
                "correction": c.correction,
            }
            for c in organization.stage_history
        ],
        "leader_history": [
            {
                "from_member_id": s.from_member_id,
                "from_name": s.from_name,
                "to_member_id": s.to_member_id,
                "to_name": s.to_name,
                "on": day_to_bson(s.on),
                "reason": s.reason,
                "actor": s.actor,
                "at": s.at,
            }
            for s in organization.leader_history
        ],
        "support_records": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "on": day_to_bson(r.on),
                "amount_fen": r.amount_fen,
                "provider": r.provider,
                "note": r.note,
                "recorded_by": r.recorded_by,
                "recorded_at": r.recorded_at,
            }
            for r in organization.support_records
        ],
        "track_record": {
            "claimed_claim_ids": list(record.claimed_claim_ids),
            "completed_claim_ids": list(record.completed_claim_ids),
            "scores": [{"claim_id": claim_id, "score": score} for claim_id, score in record.scores.items()],
            "volunteer_hours": record.volunteer_hours,
            "funds_fen": dict(record.funds_fen),
        },
    }


def _service_links(document: Document) -> tuple[ServiceLink, ...]:
    """The links; a document from before links were granted holds only declared communities, read as requests."""
    if "service_links" not in document:
        home, at = document["community_id"], aware(document["registered_at"])
        declared = [cid for cid in document["served_community_ids"] if cid != home]
        return tuple(ServiceLink(cid, ServiceLinkStatus.REQUESTED, document["registered_by"], at) for cid in declared)
    return tuple(
        ServiceLink(
            link["community_id"],
            ServiceLinkStatus(link["status"]),
            link["requested_by"],
            aware(link["requested_at"]),
            link["decided_by"],
            aware(link["decided_at"]) if link["decided_at"] else None,
            link["reason"],
        )
        for link in document["service_links"]
    )


def organization_from_document(document: Document) -> Organization:
    """An organization as the domain sees it (served: its home and the granted links only)."""
    record = document["track_record"]
    links = _service_links(document)
    return Organization(
        id=document["_id"],
        community_id=document["community_id"],
        kind=OrganizationKind(document["kind"]),
        founded_on=day_from_bson(document["founded_on"]),
        profile=Profile(
            name=document["name"],
            purpose=Purpose(document["purpose"]),
            fields=tuple(ActivityField(value) for value in document["fields"]),
            description=document["description"],
            mentors=tuple(Mentor(m["name"], m["expertise"], m["affiliation"]) for m in document["mentors"]),
            partner_ids=tuple(document["partner_ids"]),
            served_community_ids=(document["community_id"], *granted_ids(links)),
        ),
        status=FilingStatus(document["status"]),
        status_since=day_from_bson(document["status_since"]),
        members=tuple(
            Member(m["id"], m["name"], m["phone"], optional_day_from_bson(m["joined_on"]), m.get("account")) for m in document["members"]
        ),
        leader_id=document["leader_id"],
        stage=Stage(document["stage"]),
        registered_by=document["registered_by"],
        registered_at=aware(document["registered_at"]),
        updated_at=aware(document["updated_at"]),
        management_group=tuple(document["management_group"]),
        status_history=tuple(
            StatusChange(
                c["action"],
                FilingStatus(c["from"]) if c["from"] else None,
                FilingStatus(c["to"]),
                day_from_bson(c["effective_on"]),
                c["actor"],
                aware(c["at"]),
                c["reason"],
            )
            for c in document["status_history"]
        ),
        stage_history=tuple(
            StageChange(Stage(c["from"]) if c["from"] else None, Stage(c["to"]), c["actor"], aware(c["at"]), c["reason"], c["correction"])
            for c in document["stage_history"]
        ),
        leader_history=tuple(
            Succession(
                s["from_member_id"],
                s["from_name"],
                s["to_member_id"],
                s["to_name"],
                day_from_bson(s["on"]),
                s["reason"],
                s["actor"],
                aware(s["at"]),
            )
            for s in document["leader_history"]
        ),
        support_records=tuple(
            SupportRecord(
                r["id"],
                SupportKind(r["kind"]),
                day_from_bson(r["on"]),
                r["amount_fen"],
                r["provider"],
                r["note"],
                r["recorded_by"],
                aware(r["recorded_at"]) if r["recorded_at"] else None,
            )
            for r in document["support_records"]
        ),
        track_record=TrackRecord(
            claimed_claim_ids=tuple(record["claimed_claim_ids"]),
            completed_claim_ids=tuple(record["completed_claim_ids"]),
            scores={entry["claim_id"]: entry["score"] for entry in record["scores"]},
            volunteer_hours=record["volunteer_hours"],
            funds_fen=dict(record["funds_fen"]),
        ),
        service_links=links,
        version=document["version"],
    )
