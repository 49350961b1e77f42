"""The demo has evidence attached: a receipt on a disbursement and a photo of its claim, once however often it loads."""

from __future__ import annotations

from services.common.identity import Role
from services.demo import HOME
from services.evidence.demo import attach_demo_evidence
from tests.evidence.conftest import Demo


async def test_the_demo_attaches_a_receipt_and_a_photo_once(demo: Demo) -> None:
    handlers = demo.apps["evidence"].state.handlers
    staff = demo.token("staff", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    before = (await demo.gateway.data(f'{{ disbursementsWithoutReceipt(communityId: "{HOME}") {{ disbursementId claimId }} }}', as_=staff))[
        "disbursementsWithoutReceipt"
    ]

    first = await attach_demo_evidence(handlers, community_id=HOME)
    second = await attach_demo_evidence(handlers, community_id=HOME, within_s=0)
    receipt = (await demo.gateway.data(f'{{ evidenceOf(recordId: "{before[0]["disbursementId"]}") {{ kind thumbnailUrl }} }}', as_=staff))[
        "evidenceOf"
    ]
    photo = (await demo.gateway.data(f'{{ evidenceOf(recordId: "{before[0]["claimId"]}") {{ kind }} }}', as_=staff))["evidenceOf"]

    assert (first, second) == (2, 0)
    assert [e["kind"] for e in receipt] == ["RECEIPT"]
    assert receipt[0]["thumbnailUrl"]
    assert [e["kind"] for e in photo] == ["PHOTO"]
