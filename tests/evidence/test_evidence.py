"""Evidence (附件): uploaded to a signed link, checked by its content, pictures thumbnailed, served only inside the community."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from PIL import Image

from services.common.identity import Role
from services.demo import HOME
from services.demo.places import NEIGHBOUR
from services.evidence.domain import derive_key, sign
from tests.evidence.conftest import Demo

UPLOAD = "mutation($i: RequestEvidenceUploadInput!) { requestEvidenceUpload(input: $i) { evidenceId uploadUrl errors { code field } } }"
MISSING = f'{{ disbursementsWithoutReceipt(communityId: "{HOME}") {{ disbursementId claimId }} }}'


def picture(width: int = 1200, height: int = 800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def path(url: str) -> str:
    return urlsplit(url).path


async def grant(demo: Demo, token: str, record_id: str, kind: str, filename: str) -> dict[str, object]:
    payload = (await demo.gateway.data(UPLOAD, {"i": {"recordId": record_id, "kind": kind, "filename": filename}}, as_=token))[
        "requestEvidenceUpload"
    ]
    assert isinstance(payload, dict)
    return payload


async def test_a_receipt_picture_is_stored_thumbnailed_and_the_disbursement_no_longer_lacks_it(demo: Demo) -> None:
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    files = demo.gateway.http  # the links point at the gateway, which passes them on to the evidence service
    missing = (await demo.gateway.data(MISSING, as_=staff))["disbursementsWithoutReceipt"]
    disbursement = missing[0]["disbursementId"]

    granted = await grant(demo, staff, disbursement, "RECEIPT", "发票.jpg")
    stored = await files.put(path(str(granted["uploadUrl"])), content=picture())
    shown = (
        await demo.gateway.data(
            f'{{ evidenceOf(recordId: "{disbursement}") {{ id kind contentType sizeBytes url thumbnailUrl }} }}', as_=staff
        )
    )["evidenceOf"]
    full = await files.get(path(shown[0]["url"]))
    small = await files.get(path(shown[0]["thumbnailUrl"]))
    after = (await demo.gateway.data(MISSING, as_=staff))["disbursementsWithoutReceipt"]

    assert granted["errors"] == []
    assert stored.status_code == 200, stored.text
    assert stored.json()["thumbnail"] is True
    assert [(e["id"], e["kind"], e["contentType"]) for e in shown] == [(granted["evidenceId"], "RECEIPT", "image/jpeg")]
    assert full.content == picture()
    assert small.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(small.content)).size == (320, 213)
    assert disbursement not in {line["disbursementId"] for line in after}
    assert len(after) == len(missing) - 1
    await demo.settle()
    (audited,) = (
        await demo.gateway.data(
            f'{{ auditTrail(recordId: "{granted["evidenceId"]}") {{ eventType actor changes {{ field newValue }} }} }}', as_=staff
        )
    )["auditTrail"]
    assert (audited["eventType"], audited["actor"]) == ("evidence.evidence.attached.v1", "staff")
    assert {"field": "filename", "newValue": '"发票.jpg"'} in audited["changes"]


async def test_a_forged_extension_or_a_fake_picture_is_refused_and_nothing_is_stored(demo: Demo) -> None:
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    files = demo.gateway.http  # the links point at the gateway, which passes them on to the evidence service
    claim = (await demo.gateway.data(MISSING, as_=staff))["disbursementsWithoutReceipt"][0]["claimId"]
    attempts = {
        "EXTENSION_MISMATCH": ("photo.jpg", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"),
        "UNSUPPORTED_TYPE": ("photo.jpg", b"<script>alert(1)</script>"),
        "INVALID_IMAGE": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 10),
    }
    codes = {}
    for expected, (name, content) in attempts.items():
        granted = await grant(demo, staff, claim, "PHOTO", name)
        answer = await files.put(path(str(granted["uploadUrl"])), content=content)
        codes[expected] = (answer.status_code, answer.json()["errors"][0]["extensions"]["code"])
    receipt_on_claim = await grant(demo, staff, claim, "RECEIPT", "发票.pdf")
    shown = (await demo.gateway.data(f'{{ evidenceOf(recordId: "{claim}") {{ id }} }}', as_=staff))["evidenceOf"]

    assert codes == {code: (400, code) for code in attempts}
    assert receipt_on_claim["errors"] == [{"code": "INVALID_INPUT", "field": "kind"}]
    assert shown == []


async def test_another_community_can_neither_list_nor_fetch_nor_attach_and_links_cannot_be_forged(demo: Demo) -> None:
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    neighbour = demo.token("neighbour-staff", roles=[Role.COMMUNITY_STAFF], communities=[NEIGHBOUR])
    files = demo.gateway.http  # the links point at the gateway, which passes them on to the evidence service
    claim = (await demo.gateway.data(MISSING, as_=staff))["disbursementsWithoutReceipt"][0]["claimId"]
    granted = await grant(demo, staff, claim, "PHOTO", "现场.jpg")
    assert (await files.put(path(str(granted["uploadUrl"])), content=picture(400, 300))).status_code == 200
    url = (await demo.gateway.data(f'{{ evidenceOf(recordId: "{claim}") {{ url }} }}', as_=staff))["evidenceOf"][0]["url"]

    listed = await demo.gateway.post(f'{{ evidenceOf(recordId: "{claim}") {{ id url }} }}', as_=neighbour)
    attach = await grant(demo, neighbour, claim, "PHOTO", "x.jpg")
    missing = await demo.gateway.post(MISSING, as_=neighbour)
    token = path(url).removeprefix("/evidence/files/")
    body, _, mac = token.partition(".")
    forged = await files.get(f"/evidence/files/{body[:-2]}AA.{mac}")
    upload_link_as_download = await files.get("/evidence/files/" + path(str(granted["uploadUrl"])).removeprefix("/evidence/uploads/"))
    genuine = await files.get(path(url))

    assert listed["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert attach["errors"] == [{"code": "FORBIDDEN", "field": "recordId"}]
    assert missing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (forged.status_code, upload_link_as_download.status_code) == (403, 403)
    assert genuine.status_code == 200


async def test_through_the_gateway_only_the_community_gets_links_and_an_expired_or_forged_link_is_refused_in_json(demo: Demo) -> None:
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    neighbour = demo.token("neighbour-staff", roles=[Role.COMMUNITY_STAFF], communities=[NEIGHBOUR])
    gateway = demo.gateway.http
    claim = (await demo.gateway.data(MISSING, as_=staff))["disbursementsWithoutReceipt"][0]["claimId"]
    granted = await grant(demo, staff, claim, "PHOTO", "现场.jpg")
    upload_url = str(granted["uploadUrl"])
    assert upload_url.startswith(f"{demo.settings.public_gateway_url()}/evidence/uploads/")  # the gateway's public address
    assert (await gateway.put(path(upload_url), content=picture(400, 300))).status_code == 200
    listed = f'{{ evidenceOf(recordId: "{claim}") {{ id url thumbnailUrl }} }}'
    (shown,) = (await demo.gateway.data(listed, as_=staff))["evidenceOf"]

    anonymous = await demo.gateway.post(listed)
    other_community = await demo.gateway.post(listed, as_=neighbour)
    owner = await gateway.get(path(shown["url"]), headers={"authorization": f"Bearer {staff}"})
    thumbnail = await gateway.get(path(shown["thumbnailUrl"]))
    key = derive_key(demo.settings.evidence_signing_key or demo.settings.jwt_secret)
    expired = sign(key, {"down": 1, "id": shown["id"], "exp": (datetime.now(UTC) - timedelta(minutes=1)).timestamp()})
    other_key = sign(derive_key("another platform's secret"), {"down": 1, "id": shown["id"], "exp": time.time() + 600})
    refused = {
        "expired": await gateway.get(f"/evidence/files/{expired}"),
        "signed with another key": await gateway.get(f"/evidence/files/{other_key}"),
        "not a link": await gateway.get("/evidence/files/not-a-token"),
        "an upload link": await gateway.get("/evidence/files/" + path(upload_url).rsplit("/", 1)[-1]),
        "a bad bearer token": await gateway.get(path(shown["url"]), headers={"authorization": "Bearer forged"}),
    }

    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert other_community["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (owner.status_code, owner.headers["content-type"], owner.content) == (200, "image/jpeg", picture(400, 300))
    assert owner.headers["x-content-type-options"] == "nosniff"
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/jpeg")
    answers = {why: (r.status_code, r.headers["content-type"], r.json()["errors"][0]["extensions"]["code"]) for why, r in refused.items()}
    assert answers == {
        "expired": (403, "application/json", "FORBIDDEN"),
        "signed with another key": (403, "application/json", "FORBIDDEN"),
        "not a link": (403, "application/json", "FORBIDDEN"),
        "an upload link": (403, "application/json", "FORBIDDEN"),
        "a bad bearer token": (401, "application/json", "UNAUTHENTICATED"),
    }
    assert refused["expired"].json()["errors"][0]["message"] == "this link has expired"


async def test_the_gateway_takes_a_file_larger_than_its_body_limit_on_the_upload_path_only(demo: Demo) -> None:
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    gateway = demo.gateway.http
    claim = (await demo.gateway.data(MISSING, as_=staff))["disbursementsWithoutReceipt"][0]["claimId"]
    document = b"%PDF-1.7\n" + b"0" * (demo.settings.max_body_bytes * 2) + b"\n%%EOF"  # twice what /graphql accepts
    too_large = b"%PDF-1.7\n" + b"0" * demo.settings.evidence_max_bytes

    stored = await gateway.put(path(str((await grant(demo, staff, claim, "MINUTES", "纪要.pdf"))["uploadUrl"])), content=document)
    refused = await gateway.put(path(str((await grant(demo, staff, claim, "MINUTES", "大.pdf"))["uploadUrl"])), content=too_large)
    graphql = await gateway.post("/graphql", content=b'{"query": "{ __typename }", "padding": "' + b"0" * len(document) + b'"}')
    (shown,) = (await demo.gateway.data(f'{{ evidenceOf(recordId: "{claim}") {{ url sizeBytes }} }}', as_=staff))["evidenceOf"]
    fetched = await gateway.get(path(shown["url"]))

    assert (stored.status_code, stored.json()["sizeBytes"]) == (200, len(document)), stored.text
    assert (refused.status_code, refused.json()["errors"][0]["extensions"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert (graphql.status_code, graphql.json()["errors"][0]["extensions"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert (shown["sizeBytes"], fetched.content) == (len(document), document)
