"""Demo evidence: a receipt (发票) for the first disbursement of the demo community and a photo of its claim's work.

Attached through the service's own use cases (a signed upload link, then the upload), once:
a disbursement that already has its receipt is left alone, so loading twice changes nothing.
The records arrive by events, so this waits (a little) until the community's disbursements are known.
"""

from __future__ import annotations

import asyncio
import io
import logging
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from services.common.identity import Principal, Role
from services.evidence.domain import EvidenceKind
from services.evidence.handlers import EvidenceHandlers

__all__ = ["attach_demo_evidence"]

log = logging.getLogger(__name__)


async def attach_demo_evidence(handlers: EvidenceHandlers, *, community_id: str, within_s: float = 15.0) -> int:
    """Attach the demo's receipt and photo; how many files were attached (0 when already there)."""
    staff = Principal("demo-staff", frozenset({Role.COMMUNITY_STAFF}), frozenset({community_id}))
    deadline = asyncio.get_running_loop().time() + within_s
    while not (missing := await handlers.store.disbursements_without_receipt(community_id)):
        if await handlers.store.evidence.find_one({"community_id": community_id}, projection={"_id": 1}) is not None:
            return 0
        if asyncio.get_running_loop().time() > deadline:
            log.warning("no disbursement of %s reached the evidence service; the demo has no evidence", community_id)
            return 0
        await asyncio.sleep(0.2)
    if await handlers.store.evidence.find_one({"community_id": community_id}, projection={"_id": 1}) is not None:
        return 0
    disbursement = missing[0]
    attached = [(disbursement.id, EvidenceKind.RECEIPT, "发票.jpg", _picture("发票 RECEIPT", (250, 245, 230)))]
    if disbursement.claim_id:
        attached.append((disbursement.claim_id, EvidenceKind.PHOTO, "活动现场.jpg", _picture("活动现场 PHOTO", (200, 225, 245))))
    for record_id, kind, name, data in attached:
        grant = await handlers.grant_upload(staff, record_id, kind, name)
        await handlers.receive(urlsplit(grant.upload_url).path.rsplit("/", 1)[-1], data)  # the link's token
    return len(attached)


def _picture(label: str, color: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (800, 600), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 560), outline=(120, 30, 30), width=6)
    draw.text((80, 80), label.encode("ascii", "ignore").decode() or "evidence", fill=(60, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
