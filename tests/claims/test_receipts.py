"""Issue 19.3: a disbursement can require a receipt (发票). With ``DISBURSEMENT_REQUIRES_RECEIPT`` a payment
is recorded as pending its receipt; the receipt attached to it through the evidence service settles
it (the claims service consumes ``evidence.evidence.attached.v1``); until every receipt is there the
project cannot be completed (结项票据齐全) — all through the gateway, as staff and the claimant do it."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from PIL import Image

from tests.community import Community, community_platform

UPLOAD = "mutation($i: RequestEvidenceUploadInput!) { requestEvidenceUpload(input: $i) { evidenceId uploadUrl errors { code field } } }"
DISBURSEMENTS = "query($id: ID!) { claim(id: $id) { status disbursements { id receiptRequired receiptPending receiptEvidenceId } } }"


def receipt_picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (250, 250, 250)).save(out, format="JPEG")
    return out.getvalue()


async def implementing_claim(community: Community) -> tuple[str, str]:
    """An approved claim whose work has started; its id and its leader's token."""
    item_id = await community.item()
    organization_id = await community.organization("夕阳红志愿队")
    leader = community.leader(organization_id)
    claim_id = await community.claim(item_id, organization_id)
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=leader)
    await community.do("reportProgress", {"claimId": claim_id, "percent": 100, "narrative": "完成", "volunteerHours": 6}, as_=leader)
    return claim_id, leader


async def attach_receipt(community: Community, disbursement_id: str) -> str:
    """Staff upload a receipt picture to the disbursement (a signed link, through the gateway to the evidence service); its evidence id."""
    granted = (
        await community.client.data(
            UPLOAD, {"i": {"recordId": disbursement_id, "kind": "RECEIPT", "filename": "发票.jpg"}}, as_=community.staff
        )
    )["requestEvidenceUpload"]
    answer = await community.client.http.put(urlsplit(granted["uploadUrl"]).path, content=receipt_picture())
    assert answer.status_code == 200, answer.text
    await community.settle()
    evidence_id: str = granted["evidenceId"]
    return evidence_id


async def pay(community: Community, claim_id: str, amount_fen: int) -> None:
    line = {"fundSource": "PARTY_SERVICE_FUND", "amountFen": amount_fen}
    await community.do(
        "recordDisbursement", {"claimId": claim_id, "line": line, "on": "2026-11-25", "purpose": "物资"}, as_=community.staff
    )


async def test_a_payment_waits_for_its_receipt_and_the_project_is_completed_only_once_every_receipt_is_attached() -> None:
    async with community_platform(disbursement_requires_receipt=True) as community:
        claim_id, leader = await implementing_claim(community)
        await pay(community, claim_id, 40_000)
        await pay(community, claim_id, 20_000)
        pending = (await community.query(DISBURSEMENTS, {"id": claim_id}))["claim"]
        first, second = (d["id"] for d in pending["disbursements"])
        too_early = await community.attempt("completeProject", {"claimId": claim_id}, "claim { status }", as_=leader)

        first_receipt = await attach_receipt(community, first)
        half = (await community.query(DISBURSEMENTS, {"id": claim_id}))["claim"]
        half_done = await community.attempt("completeProject", {"claimId": claim_id}, "claim { status }", as_=leader)
        await attach_receipt(community, first)
        await attach_receipt(community, second)
        settled = (await community.query(DISBURSEMENTS, {"id": claim_id}))["claim"]
        completed = await community.attempt("completeProject", {"claimId": claim_id}, "claim { status }", as_=leader)

    assert [(d["receiptRequired"], d["receiptPending"], d["receiptEvidenceId"]) for d in pending["disbursements"]] == [
        (True, True, None)
    ] * 2
    assert too_early["errors"] == [
        {"__typename": "InvalidInputError", "code": "RECEIPT_MISSING", "field": "claimId", "message": too_early["errors"][0]["message"]}
    ]
    assert [d["receiptPending"] for d in half["disbursements"]] == [False, True]
    assert half_done["errors"][0]["code"] == "RECEIPT_MISSING"
    assert settled["disbursements"][0]["receiptEvidenceId"] == first_receipt
    assert [d["receiptPending"] for d in settled["disbursements"]] == [False, False]
    assert completed["errors"] == []
    assert completed["claim"]["status"] == "COMPLETED"


async def test_without_the_setting_a_payment_needs_no_receipt() -> None:
    async with community_platform() as community:
        claim_id, leader = await implementing_claim(community)
        await pay(community, claim_id, 40_000)
        claim = (await community.query(DISBURSEMENTS, {"id": claim_id}))["claim"]
        completed = await community.attempt("completeProject", {"claimId": claim_id}, "claim { status }", as_=leader)

    assert [(d["receiptRequired"], d["receiptPending"]) for d in claim["disbursements"]] == [(False, False)]
    assert completed["claim"]["status"] == "COMPLETED"
