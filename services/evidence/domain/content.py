"""What an uploaded file really is, read from its first bytes (never from its name), and whether its name agrees.

Pure code. JPEG, PNG and WebP pictures and PDF documents are accepted; the file name's
extension must be one of the detected type's (a PDF named ``receipt.jpg``, or a script named
``photo.png``, is refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.domain import Invalid

__all__ = ["ALLOWED", "Detected", "check_upload", "sniff"]


@dataclass(frozen=True, slots=True)
class Detected:
    """A content type and the extensions a file of it may carry."""

    content_type: str
    extensions: frozenset[str]

    @property
    def is_image(self) -> bool:
        """A picture (thumbnailed)."""
        return self.content_type.startswith("image/")


ALLOWED = (
    (b"\xff\xd8\xff", Detected("image/jpeg", frozenset({"jpg", "jpeg"}))),
    (b"\x89PNG\r\n\x1a\n", Detected("image/png", frozenset({"png"}))),
    (b"%PDF-", Detected("application/pdf", frozenset({"pdf"}))),
)


def sniff(data: bytes) -> Detected | None:
    """The type the bytes begin with, or None if it is none we accept."""
    for magic, detected in ALLOWED:
        if data.startswith(magic):
            return detected
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Detected("image/webp", frozenset({"webp"}))
    return None


def check_upload(filename: str, data: bytes, *, max_bytes: int) -> Detected:
    """The detected type of an upload, or the reason it is refused (size, type, or a name that lies)."""
    if not data:
        raise Invalid("the file is empty", field="file", code="EMPTY_FILE")
    if len(data) > max_bytes:
        raise Invalid(f"the file is larger than {max_bytes} bytes", field="file", code="FILE_TOO_LARGE")
    detected = sniff(data)
    if detected is None:
        raise Invalid("only JPEG, PNG or WebP pictures and PDF documents are accepted", field="file", code="UNSUPPORTED_TYPE")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in detected.extensions:
        raise Invalid(
            f"the file is {detected.content_type} but is named .{extension or '(none)'}", field="filename", code="EXTENSION_MISMATCH"
        )
    return detected
