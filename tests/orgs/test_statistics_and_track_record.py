"""Counting organizations as of a day and per year; the track record's arithmetic (pure)."""

from __future__ import annotations

from datetime import date

from services.orgs.domain import OrganizationFacts, OrganizationKind, Purpose, TrackRecord, count_as_of, count_per_year

SOCIAL, UNIT = OrganizationKind.SOCIAL_ORGANIZATION, OrganizationKind.UNIT
WELFARE, SELF = Purpose.PUBLIC_WELFARE, Purpose.SELF_BENEFIT
FACTS = [
    OrganizationFacts("c1", SOCIAL, WELFARE, date(2006, 3, 1), None),
    OrganizationFacts("c1", SOCIAL, SELF, date(2008, 12, 31), None),
    OrganizationFacts("c1", UNIT, WELFARE, date(2009, 1, 1), None),
    OrganizationFacts("c1", SOCIAL, SELF, date(2007, 6, 1), date(2012, 6, 1)),
    OrganizationFacts("c2", SOCIAL, WELFARE, date(2015, 1, 1), None),
]


def test_count_as_of_a_day_counts_founded_and_not_yet_dissolved() -> None:
    on_2008_end = count_as_of(FACTS, date(2008, 12, 31))
    assert (on_2008_end.total, on_2008_end.by_kind, on_2008_end.by_purpose) == (3, {SOCIAL: 3}, {WELFARE: 1, SELF: 2})
    assert count_as_of(FACTS, date(2012, 6, 1)).total == 3  # dissolved that day, c1's unit founded
    assert count_as_of(FACTS, date(2012, 5, 31)).total == 4
    assert count_as_of(FACTS, date(2006, 2, 28)).total == 0


def test_count_per_year_takes_the_end_of_each_year() -> None:
    counts = count_per_year(FACTS, 2006, 2016)
    assert [count.as_of for count in counts][:2] == [date(2006, 12, 31), date(2007, 12, 31)]
    assert [count.total for count in counts] == [1, 2, 3, 4, 4, 4, 3, 3, 3, 4, 4]


def test_track_record_counts_each_claim_once_and_averages_scores() -> None:
    record = TrackRecord().claimed("k1").claimed("k1").claimed("k2").completed("k1").completed("k1")
    record = record.evaluated("k1", 80).evaluated("k2", 90).evaluated("k1", 70)
    record = record.volunteered(12.5).volunteered(3).funded("community_welfare_fund", 100_00).funded("community_welfare_fund", 50_00)
    record = record.funded("party_service_fund", 1)

    assert (record.items_claimed, record.projects_completed) == (2, 1)
    assert record.average_score == 80.0
    assert record.volunteer_hours == 15.5
    assert dict(record.funds_fen) == {"community_welfare_fund": 150_00, "party_service_fund": 1}
    assert record.funds_total_fen == 150_01
    assert TrackRecord().average_score is None
