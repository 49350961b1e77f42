"""Pictures: decoded in full with Pillow (a file that only starts like a picture is refused), and thumbnailed."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from services.common.domain import Invalid

__all__ = ["THUMBNAIL_PIXELS", "thumbnail"]

THUMBNAIL_PIXELS = 320
"""The longer side of a thumbnail."""

Image.MAX_IMAGE_PIXELS = 50_000_000  # a decompression bomb is refused, not decoded


def thumbnail(data: bytes) -> bytes:
    """A JPEG thumbnail of the picture; INVALID_IMAGE if it does not decode."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise Invalid("the picture cannot be read", field="file", code="INVALID_IMAGE") from error
    picture.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()
