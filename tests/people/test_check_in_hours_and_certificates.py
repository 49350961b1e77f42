"""Check-in codes, hours per person and per claim, the certificate PDF (Chinese text, verification code), the export."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from openpyxl import load_workbook
from pypdf import PdfReader

from services.claims.domain.claim import Claimant, Proposal, submit
from services.claims.domain.vocabulary import ClaimantKind
from services.common.identity import Role
from services.people.domain import CHINA
from tests.people.conftest import People

CODE = "checkInCode { sessionId code expiresAt qrSvg }"
RECORD = "attendance { personId checkedInAt checkedOutAt minutes confirmed }"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _two_sessions_now(people: People) -> tuple[str, str]:
    start = (people.clock.now + timedelta(minutes=10)).astimezone(CHINA).replace(second=0, microsecond=0)
    first = await people.schedule(startsAt=_iso(start), durationMinutes=120, idempotencyKey="now-1")
    second = await people.schedule(startsAt=_iso(start), durationMinutes=120, venue="活动室", idempotencyKey="now-2")
    return first[0]["id"], second[0]["id"]


async def test_a_check_in_code_works_once_per_person_and_not_for_another_session(people: People) -> None:
    one, other = await _two_sessions_now(people)
    wang, li, zhao = people.resident("wang"), people.resident("li"), people.resident("zhao")
    for token in (wang, li):
        await people.session_mutation("signUpForSession", {"sessionId": one}, as_=token)
    await people.session_mutation("signUpForSession", {"sessionId": other}, as_=wang)
    issued = await people.mutate("issueCheckInCode", {"sessionId": one}, CODE, as_=people.staff)
    code = issued["checkInCode"]["code"]
    assert re.fullmatch(r"\d{8}", code)
    assert issued["checkInCode"]["qrSvg"].startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(issued["checkInCode"]["qrSvg"].split(",", 1)[1])
    refused = await people.client.mutation("issueCheckInCode", {"sessionId": one}, CODE, as_=wang)
    assert [error["code"] for error in refused["errors"]] == ["FORBIDDEN"]

    people.clock.now += timedelta(minutes=12)
    first = await people.client.mutation("checkIn", {"sessionId": one, "code": code}, RECORD, as_=wang)
    assert first["errors"] == []
    again = await people.client.mutation("checkIn", {"sessionId": one, "code": code}, RECORD, as_=wang)
    assert [error["code"] for error in again["errors"]] == ["CONFLICT"]
    elsewhere = await people.client.mutation("checkIn", {"sessionId": other, "code": code}, RECORD, as_=wang)
    assert [(error["code"], error["field"]) for error in elsewhere["errors"]] == [("INVALID_INPUT", "code")]
    not_signed_up = await people.client.mutation("checkIn", {"sessionId": one, "code": code}, RECORD, as_=zhao)
    assert [error["code"] for error in not_signed_up["errors"]] == ["INVALID_INPUT"]
    assert (await people.client.mutation("checkIn", {"sessionId": one, "code": code}, RECORD, as_=li))["errors"] == []
    renewed = (await people.mutate("issueCheckInCode", {"sessionId": one}, CODE, as_=people.staff))["checkInCode"]["code"]
    people.clock.now += timedelta(minutes=90)
    stale = await people.client.mutation("checkOut", {"sessionId": one, "code": code}, RECORD, as_=wang)
    assert [error["field"] for error in stale["errors"]] == ["code"] or code == renewed
    out = await people.mutate("checkOut", {"sessionId": one, "code": renewed}, RECORD, as_=wang)
    assert out["attendance"]["checkedOutAt"] is not None
    twice = await people.client.mutation("checkOut", {"sessionId": one, "code": renewed}, RECORD, as_=wang)
    assert [error["code"] for error in twice["errors"]] == ["CONFLICT"]
    people.clock.now += timedelta(hours=5)  # long after: the code no longer works
    late = await people.client.mutation("checkOut", {"sessionId": one, "code": renewed}, RECORD, as_=li)
    assert [error["field"] for error in late["errors"]] == ["code"]


async def test_hours_per_person_add_up_to_the_claims_and_the_certificate_renders_chinese_and_verifies(people: People) -> None:
    one, other = await _two_sessions_now(people)
    wang, li = people.resident("wang"), people.resident("li")
    start = people.clock.now + timedelta(minutes=10)
    for session in (one, other):
        await people.session_mutation("signUpForSession", {"sessionId": session}, as_=wang)
    await people.session_mutation("signUpForSession", {"sessionId": one}, as_=li)
    code = (await people.mutate("issueCheckInCode", {"sessionId": one}, CODE, as_=people.staff))["checkInCode"]["code"]
    people.clock.now = start
    await people.mutate("checkIn", {"sessionId": one, "code": code}, RECORD, as_=wang)
    people.clock.now = start + timedelta(minutes=75)
    await people.mutate("checkOut", {"sessionId": one, "code": code}, RECORD, as_=wang)
    await people.mutate(  # 李 has no phone: the organizer records her 2 hours
        "recordAttendance",
        {"sessionId": one, "personId": "li", "checkedInAt": _iso(start), "checkedOutAt": _iso(start + timedelta(hours=2))},
        RECORD,
        as_=people.staff,
    )
    await people.mutate(
        "recordAttendance",
        {"sessionId": other, "personId": "wang", "checkedInAt": _iso(start), "checkedOutAt": _iso(start + timedelta(minutes=45))},
        RECORD,
        as_=people.staff,
    )
    unconfirmed = await people.client.data(
        "query($c: ID!, $f: Date!, $t: Date!) { volunteerHours(communityId: $c, periodFrom: $f, periodTo: $t) { minutes } }",
        {"c": "c1", "f": "2026-01-01", "t": "2027-12-31"},
        as_=wang,
    )
    assert unconfirmed["volunteerHours"]["minutes"] == 0  # never counted before the organizer confirms
    for session in (one, other):
        confirmed = await people.mutate("confirmAttendance", {"sessionId": session}, RECORD, as_=people.staff)
        assert all(record["confirmed"] for record in confirmed["attendance"])

    hours = "query($c: ID!, $f: Date!, $t: Date!, $p: ID) { volunteerHours(communityId: $c, periodFrom: $f, periodTo: $t, personId: $p) { minutes hours sessions { minutes } } }"
    period = {"c": "c1", "f": "2026-01-01", "t": "2027-12-31"}
    mine = (await people.client.data(hours, period, as_=wang))["volunteerHours"]
    assert (mine["minutes"], sorted(record["minutes"] for record in mine["sessions"])) == (120, [45, 75])
    hers = (await people.client.data(hours, {**period, "p": "li"}, as_=people.staff))["volunteerHours"]
    assert hers["minutes"] == 120
    nosy = await people.client.post(hours, {**period, "p": "li"}, as_=wang)
    assert nosy["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    claimant = Claimant(ClaimantKind.RESIDENT, "wang")
    claim, opened = submit(
        claim_id="k1", item_id=people.item_id, community_id="c1", claimant=claimant, proposal=Proposal("教太极"), at=start
    )
    shortlisted, _ = claim.shortlist(actor="staff", at=start)
    _, approved = shortlisted.approve(meeting_id="m1", actor="staff", at=start)
    for event in (*opened, *approved):
        await people.bus.publish(event)
    await people.settle()
    claim_hours = await people.client.data(
        '{ claimVolunteerHours(claimId: "k1") { minutes hours people { personId minutes } } }', as_=people.staff
    )
    assert claim_hours["claimVolunteerHours"] == {
        "minutes": 240,
        "hours": 4.0,
        "people": [{"personId": "li", "minutes": 120}, {"personId": "wang", "minutes": 120}],
    }

    missing = await people.client.mutation(
        "issueVolunteerCertificate", {"communityId": "c1", "periodFrom": "2026-01-01", "periodTo": "2027-12-31"}, "pdfBase64", as_=wang
    )
    assert [error["code"] for error in missing["errors"]] == ["NOT_FOUND"]  # register first
    registered = await people.mutate(
        "registerVolunteer",
        {"communityId": "c1", "realName": "王秀兰", "displayName": "王阿姨", "idNumber": "11010119600101123X", "phone": "13800138000"},
        "volunteer { realName displayName }",
        as_=wang,
    )
    assert registered["volunteer"] == {"realName": "王秀兰", "displayName": "王阿姨"}
    issued = await people.mutate(
        "issueVolunteerCertificate",
        {"communityId": "c1", "periodFrom": "2026-01-01", "periodTo": "2027-12-31"},
        "pdfBase64 certificate { code hours sessionCount maskedName }",
        as_=wang,
    )
    # fpdf2 writes 2-byte CIDs with an embedded encoding CMap; pypdf reads their high byte as a NUL of its own: dropped
    extracted = PdfReader(io.BytesIO(base64.b64decode(issued["pdfBase64"]))).pages[0].extract_text()
    text = "".join(extracted.replace("\x00", "").split())
    certificate = issued["certificate"]
    assert "志愿服务记录证明" in text
    assert "王秀兰" in text
    assert "左安浦园社区" in text
    assert "2.0小时" in text
    assert certificate["code"] in text
    assert (certificate["hours"], certificate["sessionCount"], certificate["maskedName"]) == (2.0, 2, "王*兰")

    check = "query($c: String!) { verifyVolunteerCertificate(code: $c) { maskedName hours communityName periodFrom periodTo } }"
    verified = await people.client.data(check, {"c": certificate["code"].lower()})  # anyone, without a token
    assert verified["verifyVolunteerCertificate"] == {
        "maskedName": "王*兰", "hours": 2.0, "communityName": "左安浦园社区", "periodFrom": "2026-01-01", "periodTo": "2027-12-31",
    }  # fmt: skip
    assert (await people.client.data(check, {"c": "AAAA-BBBB-CCCC-DDDD"}))["verifyVolunteerCertificate"] is None

    export = "query($c: ID!, $f: Date!, $t: Date!) { volunteerHoursExport(communityId: $c, periodFrom: $f, periodTo: $t) }"
    rows = list(csv.reader(io.StringIO((await people.client.data(export, period, as_=people.staff))["volunteerHoursExport"])))
    assert rows[0][:3] == ["志愿者姓名", "证件类型", "证件号码"]
    assert "服务时长(小时)" in rows[0]
    by_name = sorted((row[0], row[2], row[6]) for row in rows[1:])
    assert by_name == [("li", "", "2.0"), ("王秀兰", "11010119600101123X", "0.8"), ("王秀兰", "11010119600101123X", "1.2")]
    refused = await people.client.post(export, period, as_=wang)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    register = await people.client.data(
        '{ volunteers(communityId: "c1") { totalCount edges { node { realName displayName } } } }', as_=people.staff
    )
    assert register["volunteers"]["edges"] == [{"node": {"realName": "王秀兰", "displayName": "王阿姨"}}]
    assert (await people.client.post('{ volunteers(communityId: "c1") { totalCount } }', as_=wang))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    assert datetime.now(UTC)  # the people clock moved; the others ran on real time


async def test_certificate_and_hours_downloads_answer_only_their_person_and_staff(people: People) -> None:
    """GET /certificates/{code} for its person or staff (404 for anyone else); /exports/volunteer-hours for staff, CSV or Excel."""
    (session,) = await people.schedule(startsAt=_iso(people.clock.now + timedelta(minutes=20)), capacity=5)
    start = people.clock.now + timedelta(minutes=20)
    await people.session_mutation("signUpForSession", {"sessionId": session["id"]}, as_=people.resident("wang"))
    recorded = {
        "sessionId": session["id"],
        "personId": "wang",
        "checkedInAt": _iso(start),
        "checkedOutAt": _iso(start + timedelta(hours=1)),
    }
    await people.mutate("recordAttendance", recorded, RECORD, as_=people.staff)
    await people.mutate("confirmAttendance", {"sessionId": session["id"]}, RECORD, as_=people.staff)
    volunteer = {"communityId": "c1", "realName": "王秀兰", "displayName": "王阿姨", "idNumber": "11010119600101123X"}
    await people.mutate("registerVolunteer", volunteer, "volunteer { realName }", as_=people.resident("wang"))
    period = {"communityId": "c1", "periodFrom": "2026-01-01", "periodTo": "2027-12-31"}
    issued = await people.mutate("issueVolunteerCertificate", period, "pdfPath pdfUrl certificate { code }", as_=people.resident("wang"))
    assert issued["pdfPath"] == f"/certificates/{issued['certificate']['code']}"
    assert issued["pdfUrl"] == f"{people.settings.public_gateway_url()}/people/certificates/{issued['certificate']['code']}"
    pdf = urlsplit(issued["pdfUrl"]).path  # downloaded from the gateway, which passes /people/… on to the people service
    http = people.client.http

    async def get(path: str, token: str | None) -> httpx.Response:
        return await http.get(path, headers={"authorization": f"Bearer {token}"} if token else {})

    mine = await get(pdf, people.resident("wang"))
    assert mine.headers["content-type"] == "application/pdf"
    assert "王秀兰" in PdfReader(io.BytesIO(mine.content)).pages[0].extract_text().replace("\x00", "")
    assert (await get(pdf, people.staff)).status_code == 200
    assert (await get(pdf.lower(), people.staff)).status_code == 200  # the code as typed
    for token in (people.resident("li"), people.token("staff-2", Role.COMMUNITY_STAFF, "c2")):
        refused = await get(pdf, token)
        assert (refused.status_code, refused.json()["errors"][0]["extensions"]["code"]) == (404, "NOT_FOUND")
    assert (await get("/people/certificates/AAAA-BBBB-CCCC-DDDD", people.staff)).status_code == 404
    assert (await get(pdf, None)).status_code == 401

    export = "/people/exports/volunteer-hours?community=c1&from=2026-01-01&to=2027-12-31"
    table = await get(export, people.staff)
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert (rows[0][0], rows[1][0], rows[1][2], rows[1][6]) == ("志愿者姓名", "王秀兰", "11010119600101123X", "1.0")
    workbook = await get(export + "&format=xlsx", people.staff)
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
    assert sheet is not None
    read_back = [["" if value is None else value for value in row] for row in sheet.iter_rows(max_col=9, values_only=True)]
    assert read_back[0] == rows[0]
    assert read_back[1] == [*rows[1][:6], 1.0, *rows[1][7:]]  # the same row, its hours a number
    assert (await get(export + "&format=xlsx", people.resident("wang"))).status_code == 403
    bad = await get(export.replace("2026-01-01", "yesterday"), people.staff)
    assert (bad.status_code, bad.json()["errors"][0]["extensions"]) == (400, {"code": "INVALID_INPUT", "field": "from"})
    assert (await get(export + "&format=pdf", people.staff)).json()["errors"][0]["extensions"]["field"] == "format"
