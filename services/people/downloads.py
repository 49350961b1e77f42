"""File downloads of the people service, sent with the caller's bearer token (through the gateway: ``/people/…``).

* ``GET /certificates/{code}``: the 志愿服务记录证明 as a PDF, for its person or the staff of its
  community (anyone else, and an unknown code, get NOT_FOUND: a code does not reveal whether
  it exists). The same document ``issueVolunteerCertificate`` returns as ``pdfBase64``.
* ``GET /exports/volunteer-hours?community=…&from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|xlsx``: confirmed
  hours in the national volunteer system's (全国志愿服务信息系统) import columns, for staff; the
  Excel workbook has one sheet with the columns as its first row and the hours as numbers.

Errors are JSON in the GraphQL error shape, with the status the code calls for.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.domain import DomainError, Invalid
from services.common.graphql.view import bearer_token
from services.common.identity import AuthenticationError, Principal, TokenVerifier
from services.common.settings import Settings
from services.people.certificate_pdf import render_certificate
from services.people.handlers import PeopleHandlers
from services.people.handlers.hours import EXPORT_COLUMNS

__all__ = ["DOWNLOAD_ROUTES", "certificate_path", "certificate_url", "hours_workbook"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}
HOURS_COLUMN = EXPORT_COLUMNS.index("服务时长(小时)")


def certificate_path(code: str) -> str:
    """Where a certificate's PDF is downloaded from, on the people service."""
    return f"/certificates/{quote(code)}"


def certificate_url(settings: Settings, code: str) -> str:
    """Where clients download a certificate's PDF: through the gateway, which passes ``/people/…`` on to this service."""
    return f"{settings.public_gateway_url()}/people{certificate_path(code)}"


async def certificate(request: Request) -> Response:
    """The certificate's PDF, rendered from the stored certificate."""
    handlers: PeopleHandlers = request.app.state.handlers
    try:
        principal = await _principal(request)
        found = await handlers.hours.certificate_for(principal, request.path_params["code"])
        settings = handlers.settings
        pdf = await asyncio.to_thread(render_certificate, found, font=settings.people_cjk_font, font_index=settings.people_cjk_font_index)
    except DomainError as error:
        return _error(error)
    headers = {
        "content-disposition": f"attachment; filename=\"volunteer-certificate-{found.code}.pdf\"; filename*=UTF-8''{quote('志愿服务记录证明-' + found.code + '.pdf')}",
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


async def volunteer_hours(request: Request) -> Response:
    """The hours export as CSV (UTF-8 with a BOM, for spreadsheet programs) or an Excel workbook."""
    handlers: PeopleHandlers = request.app.state.handlers
    query = request.query_params
    try:
        principal = await _principal(request)
        form = query.get("format", "csv")
        if form not in ("csv", "xlsx"):
            raise Invalid("format is csv or xlsx", field="format")
        community = query.get("community") or ""
        period_from, period_to = _day(query.get("from"), "from"), _day(query.get("to"), "to")
        rows = await handlers.hours.export_rows(principal, community, period_from, period_to)
    except DomainError as error:
        return _error(error)
    name = f"volunteer-hours-{community}-{period_from.isoformat()}-{period_to.isoformat()}"
    headers = {"content-disposition": f'attachment; filename="{quote(name)}.{form}"', "cache-control": "private, no-store"}
    if form == "xlsx":
        return Response(await asyncio.to_thread(hours_workbook, rows), media_type=XLSX, headers=headers)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(rows)
    return Response(out.getvalue().encode(), media_type="text/csv; charset=utf-8", headers=headers)


def hours_workbook(rows: list[list[str]]) -> bytes:
    """One sheet, 服务时长记录: the import columns, then a row per attendance (hours as numbers, the rest as text, blanks empty)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("服务时长记录")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        cells: list[Any] = [value or None for value in row]
        cells[HOURS_COLUMN] = float(row[HOURS_COLUMN])
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


DOWNLOAD_ROUTES = (
    Route("/certificates/{code}", certificate, methods=["GET"]),
    Route("/exports/volunteer-hours", volunteer_hours, methods=["GET"]),
)


async def _principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    token = bearer_token(request.headers)
    if not token:
        raise _Unauthenticated("sign in: send an `Authorization: Bearer <token>` header")
    try:
        return await verifier.verify(token)
    except AuthenticationError as error:
        raise _Unauthenticated(str(error)) from error


class _Unauthenticated(DomainError):
    """No token, or one that does not verify."""

    code = "UNAUTHENTICATED"


def _day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError as error:
        raise Invalid(f"{field} is a day, YYYY-MM-DD", field=field) from error


def _error(error: DomainError) -> JSONResponse:
    extensions: dict[str, Any] = {"code": error.code}
    if error.field is not None:
        extensions["field"] = error.field
    return JSONResponse({"errors": [{"message": error.message, "extensions": extensions}]}, status_code=STATUS.get(error.code, 400))
