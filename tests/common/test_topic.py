"""Topic matching of the in-process bus follows AMQP's rules."""

from __future__ import annotations

import pytest

from services.common.bus import topic_matches


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("needs.need.submitted.v1", "needs.need.submitted.v1", True),
        ("needs.need.submitted.v1", "needs.need.accepted.v1", False),
        ("needs.*.submitted.v1", "needs.need.submitted.v1", True),
        ("needs.*.v1", "needs.need.submitted.v1", False),
        ("needs.#", "needs.need.submitted.v1", True),
        ("needs.#", "needs", True),
        ("#", "claims.claim.approved.v1", True),
        ("#.v1", "claims.claim.approved.v1", True),
        ("#.v2", "claims.claim.approved.v1", False),
        ("claims.#.approved.v1", "claims.claim.approved.v1", True),
        ("*.claim.*.v1", "claims.claim.approved.v1", True),
        ("*", "", True),
        ("needs.need", "needs.need.submitted.v1", False),
    ],
)
def test_topic_matches(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected
