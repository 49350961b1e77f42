"""Report downloads: ``GET /reports?community=…|street=…|district=…&from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|xlsx``.

Sent with the caller's bearer token, to the disclosure service (or through anything that
forwards it). The CSV is written row by row as the rows are read; the Excel workbook is
built by openpyxl in write-only mode (rows go to a temporary file, never all in memory) and
sent in chunks. Both carry the scope and the period in the file: the CSV's first lines, the
workbook's first sheet; then one section (CSV) or one sheet (Excel) per table.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from typing import Any

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from services.common.domain import DomainError
from services.common.graphql.view import bearer_token
from services.common.identity import AuthenticationError, TokenVerifier
from services.disclosure.handlers import DisclosureHandlers, ReportScope, TableRows

__all__ = ["REPORT_ROUTES", "csv_chunks", "xlsx_file"]

CHUNK = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def download(request: Request) -> Response:
    """The report as CSV or Excel, for the staff of every community it covers."""
    verifier: TokenVerifier = request.app.state.verifier
    handlers: DisclosureHandlers = request.app.state.handlers
    token = bearer_token(request.headers)
    if not token:
        return _error("sign in: send an `Authorization: Bearer <token>` header", "UNAUTHENTICATED", None, 401)
    try:
        principal = await verifier.verify(token)
        scope = await handlers.report_scope(principal, dict(request.query_params))
    except AuthenticationError as error:
        return _error(str(error), "UNAUTHENTICATED", None, 401)
    except DomainError as error:
        return _error(error.message, error.code, error.field, 403 if error.code == "FORBIDDEN" else 400)
    form = request.query_params.get("format", "csv")
    name = f"renling-report-{scope.kind}-{scope.place_id}-{scope.period.starts_on}-{scope.period.ends_on}"
    if form == "csv":
        headers = {"content-disposition": f'attachment; filename="{name}.csv"'}
        return StreamingResponse(
            csv_chunks(scope, await handlers.report_tables(scope)), media_type="text/csv; charset=utf-8", headers=headers
        )
    if form == "xlsx":
        path = await xlsx_file(scope, await handlers.report_tables(scope))
        headers = {"content-disposition": f'attachment; filename="{name}.xlsx"'}
        return StreamingResponse(_file_chunks(path), media_type=XLSX, headers=headers)
    return _error("format is csv or xlsx", "BAD_USER_INPUT", "format", 400)


REPORT_ROUTES = (Route("/reports", download, methods=["GET"]),)


def _heading(scope: ReportScope) -> list[list[str]]:
    return [
        ["report", scope.kind, scope.place_id],
        ["period", scope.period.starts_on.isoformat(), scope.period.ends_on.isoformat()],
        ["communities", str(len(scope.communities))],
    ]


async def csv_chunks(scope: ReportScope, tables: Sequence[TableRows]) -> AsyncIterator[bytes]:
    """The CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese): heading, then one section per table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerows(_heading(scope))
    for name, columns, rows in tables:
        writer.writerow([])
        writer.writerow(["table", name])
        writer.writerow(columns)
        async for row in rows:
            writer.writerow(row)
            if buffer.tell() >= CHUNK:
                yield _drain(buffer)
    yield _drain(buffer)


async def xlsx_file(scope: ReportScope, tables: Sequence[TableRows]) -> str:
    """The workbook in a temporary file (write-only: rows are flushed as they are added); its path."""
    workbook = Workbook(write_only=True)
    heading = workbook.create_sheet("report")
    for line in _heading(scope):
        heading.append(line)
    for name, columns, rows in tables:
        sheet = workbook.create_sheet(name)
        sheet.append(list(columns))
        async for row in rows:
            sheet.append(list(row))
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    await asyncio.to_thread(workbook.save, path)
    return path


async def _file_chunks(path: str) -> AsyncIterator[bytes]:
    try:
        with open(path, "rb") as file:  # noqa: ASYNC230 - one local read per chunk
            while chunk := file.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def _error(message: str, code: str, field: str | None, status: int) -> JSONResponse:
    extensions: dict[str, Any] = {"code": code}
    if field is not None:
        extensions["field"] = field
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status_code=status)
