"""The README's weekly-activity walkthrough runs as written against `up`, on the demo.

Its steps are ``graphql`` blocks after ``<!-- activity-step: as=<role> [save=NAME:path] [expect=path:VALUE] -->``
comments, which the claim cycle's ``STEP`` pattern (tests/test_readme.py) does not pick up.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
from graphql import parse
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.test_readme import BLOCK, README, STEP, Step, at, run_step
from tests.up import platform_up

ACTIVITY_STEP = re.compile(r"<!-- activity-step: (?P<annotation>[^>]*?) -->\n```graphql\n(?P<operation>.*?)```", re.DOTALL)
DOWNLOAD = re.compile(r"<!-- activity-download: as=(?P<role>\w+) -->\n```sh\n(?P<command>.*?)```", re.DOTALL)
DOWNLOAD_URL = re.compile(r"'http://127\.0\.0\.1:4000/people(?P<path>/[^']*)'")
HEADING = "## A weekly activity, step by step"


def section() -> str:
    """The README's weekly-activity section: from its heading to the next one of its level."""
    text = README.read_text()
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start : end if end != -1 else len(text)]


def steps() -> list[Step]:
    found = []
    for match in ACTIVITY_STEP.finditer(section()):
        options = dict(part.split("=", 1) for part in match["annotation"].split())
        saves = dict([options["save"].split(":", 1)]) if "save" in options else {}
        expect = tuple(options["expect"].split(":", 1)) if "expect" in options else None
        found.append(Step(options["as"], match["operation"], saves, expect))  # type: ignore[arg-type]
    return found


def test_every_graphql_block_of_the_walkthrough_parses() -> None:
    blocks = BLOCK.findall(section())
    assert len(blocks) >= 14
    for block in blocks:
        parse(block)
    assert len(steps()) >= 12
    assert not STEP.search(section()), "the claim cycle's test would run the activity's steps too"


@pytest.mark.timeout(180)
async def test_the_weekly_activity_walkthrough_runs_as_written_on_the_demo() -> None:
    saved: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    async with platform_up() as up, httpx.AsyncClient(timeout=30) as http:
        for step in steps():
            operation = step.operation
            for name, value in saved.items():
                operation = operation.replace(name, value)
            assert not re.search(r"\b(ITEM|SESSION)_ID\b|CERTIFICATE_CODE", operation), operation
            data = await run_step(http, up.urls["gateway"], up.tokens[step.role], operation, step)
            saved.update({name: at(data, path) for name, path in step.saves.items()})
            results.append(data)
        downloads = {}
        for match in DOWNLOAD.finditer(section()):  # the curl commands, as written, through the gateway over HTTP
            (path,) = DOWNLOAD_URL.findall(match["command"])
            path = path.replace("CERTIFICATE_CODE", saved["CERTIFICATE_CODE"])
            url = up.urls["gateway"].removesuffix("/graphql") + "/people" + path
            answer = await http.get(url, headers={"authorization": f"Bearer {up.tokens[match['role']]}"})
            assert answer.status_code == 200, (path, answer.text)
            downloads[path.split("?")[0].split("/")[1]] = answer
            if path.startswith("/certificates/"):  # nobody but her and the community's staff
                for role, status in (("partner", 404), ("community_staff", 200)):
                    other = await http.get(url, headers={"authorization": f"Bearer {up.tokens[role]}"})
                    assert other.status_code == status, (role, other.text)
                assert (await http.get(url)).status_code == 401
        staff = {"authorization": f"Bearer {up.tokens['community_staff']}"}
        query = f'{{ activitySessions(itemId: "{saved["ITEM_ID"]}", first: 50) {{ totalCount edges {{ node {{ confirmedCount }} }} }} }}'
        demo = (await http.post(up.urls["gateway"], json={"query": query}, headers=staff)).json()["data"]["activitySessions"]

    assert set(saved) == {"ITEM_ID", "SESSION_ID", "CERTIFICATE_CODE"}
    assert demo["totalCount"] == 12 + 8  # the demo's twelve sessions and the walkthrough's eight
    assert sorted(edge["node"]["confirmedCount"] for edge in demo["edges"])[-1] == 3  # the demo's three sign-ups
    export = next(result["volunteerHoursExport"] for result in results if "volunteerHoursExport" in result)
    assert export.splitlines()[0].startswith("志愿者姓名,证件类型,证件号码")
    assert "王秀兰" in export
    issued = next(result["issueVolunteerCertificate"] for result in results if "issueVolunteerCertificate" in result)
    assert issued["pdfPath"] == f"/certificates/{saved['CERTIFICATE_CODE']}"
    assert issued["pdfUrl"] == up.urls["gateway"].removesuffix("/graphql") + f"/people/certificates/{saved['CERTIFICATE_CODE']}"

    assert set(downloads) == {"certificates", "exports"}
    pdf = downloads["certificates"]
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().replace("\x00", "").split())
    assert "志愿服务记录证明" in text
    assert "王秀兰" in text
    assert saved["CERTIFICATE_CODE"] in text
    assert "1.5小时" in text
    sheet = load_workbook(io.BytesIO(downloads["exports"].content), read_only=True).active
    assert sheet is not None
    assert sheet.title == "服务时长记录"
    rows = [["" if value is None else value for value in row] for row in sheet.iter_rows(max_col=9, values_only=True)]
    csv_rows = list(csv.reader(io.StringIO(export)))
    assert (
        rows[0]
        == csv_rows[0]
        == ["志愿者姓名", "证件类型", "证件号码", "手机号码", "服务开始时间", "服务结束时间", "服务时长(小时)", "服务项目名称", "备注"]
    )
    assert [[*row[:6], f"{row[6]:.1f}", *row[7:]] for row in rows[1:]] == csv_rows[1:]  # the CSV's rows, the hours as numbers
    wang = [row for row in rows[1:] if row[0] == "王秀兰"]
    assert [(row[4], row[5], row[6], row[7]) for row in wang] == [("2027-03-02 19:00", "2027-03-02 20:30", 1.5, "太极拳进楼门")]
