"""The file routes: ``PUT /uploads/{token}`` receives a file sent to a signed upload link, ``GET /files/{token}`` serves one.

The body of an upload is the file itself (any content type header: the content decides).
Answers are JSON (the evidence's id and type, or a GraphQL-style error naming the reason).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.domain import DomainError
from services.evidence.handlers import EvidenceHandlers

__all__ = ["FILE_ROUTES"]

STATUS = {"FORBIDDEN": 403, "NOT_FOUND": 404, "FILE_TOO_LARGE": 413}


async def upload(request: Request) -> Response:
    """Store the uploaded file, if the link and the content allow it."""
    handlers: EvidenceHandlers = request.app.state.handlers
    try:
        evidence = await handlers.receive(request.path_params["token"], await request.body())
    except DomainError as error:
        return _error(error)
    return JSONResponse(
        {"id": evidence.id, "contentType": evidence.content_type, "sizeBytes": evidence.size_bytes, "thumbnail": evidence.has_thumbnail}
    )


async def download(request: Request) -> Response:
    """The file behind a signed download link."""
    handlers: EvidenceHandlers = request.app.state.handlers
    try:
        data, content_type, name = await handlers.file(request.path_params["token"])
    except DomainError as error:
        return _error(error)
    headers = {
        "content-disposition": f"inline; filename*=UTF-8''{quote(name)}",
        "cache-control": "private, max-age=600",
        "x-content-type-options": "nosniff",
    }
    return Response(data, media_type=content_type, headers=headers)


FILE_ROUTES = (Route("/uploads/{token}", upload, methods=["PUT", "POST"]), Route("/files/{token}", download, methods=["GET"]))


def _error(error: DomainError) -> JSONResponse:
    extensions: dict[str, Any] = {"code": error.code}
    if error.field is not None:
        extensions["field"] = error.field
    return JSONResponse({"errors": [{"message": error.message, "extensions": extensions}]}, status_code=STATUS.get(error.code, 400))
