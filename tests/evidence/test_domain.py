"""Pure rules of the evidence service: content sniffing and the names that lie, signed links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.domain import Forbidden, Invalid
from services.evidence.domain import check_upload, derive_key, sign, sniff, verify

NOW = datetime(2026, 3, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"%PDF-1.4", "application/pdf"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
    ],
)
def test_the_type_is_read_from_the_first_bytes(data: bytes, content_type: str) -> None:
    detected = sniff(data)
    assert detected is not None
    assert detected.content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("receipt.jpg", b"%PDF-1.4", "EXTENSION_MISMATCH"),
        ("receipt", b"%PDF-1.4", "EXTENSION_MISMATCH"),
        ("photo.png", b"MZ\x90\x00", "UNSUPPORTED_TYPE"),
        ("photo.png", b"", "EMPTY_FILE"),
        ("photo.jpg", b"\xff\xd8\xff" + b"0" * 2_000, "FILE_TOO_LARGE"),
    ],
)
def test_an_upload_whose_content_or_name_is_wrong_is_refused(name: str, data: bytes, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_upload(name, data, max_bytes=1_000)
    assert refused.value.code == code


def test_a_link_is_refused_once_changed_or_expired() -> None:
    key = derive_key("a-secret-of-at-least-thirty-two-bytes!!")
    token = sign(key, {"id": "e1", "exp": (NOW + timedelta(minutes=1)).timestamp()})

    assert verify(key, token, now=NOW)["id"] == "e1"
    with pytest.raises(Forbidden):
        verify(key, token, now=NOW + timedelta(minutes=2))
    with pytest.raises(Forbidden):
        verify(derive_key("another-secret-of-at-least-thirty-two!"), token, now=NOW)
    with pytest.raises(Forbidden):
        verify(key, "x" + token, now=NOW)
