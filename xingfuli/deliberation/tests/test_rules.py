"""The meeting arithmetic at and around its thresholds, exact with Fraction."""

import pytest

from xingfuli.deliberation.rules import MORE_THAN_HALF, Share, check


@pytest.mark.parametrize(("count", "base", "met"), [
    (5, 10, False),  # exactly half is not more than half
    (6, 10, True),
    (4, 9, False),
    (5, 9, True),  # 5/9 > 1/2
    (1, 1, True),
    (0, 1, False),
    (0, 0, False),  # nothing is met of an empty base
    (50_000_001, 100_000_000, True),
    (50_000_000, 100_000_000, False),
])
def test_more_than_half_is_strict(count, base, met):
    assert MORE_THAN_HALF.met(count, base) is met


@pytest.mark.parametrize(("count", "base", "inclusive", "met"), [
    (2, 3, True, True),  # exactly 2/3 with "at least"
    (2, 3, False, False),  # exactly 2/3 is not "more than"
    (66, 100, True, False),  # just under 2/3 (0.66 < 0.666…)
    (67, 100, True, True),
    (666_666, 1_000_000, True, False),  # float would round this the wrong way
    (666_667, 1_000_000, True, True),
])
def test_two_thirds_at_the_boundary(count, base, inclusive, met):
    assert Share(2, 3, inclusive).met(count, base) is met


@pytest.mark.parametrize(("share", "base", "least"), [
    (MORE_THAN_HALF, 10, 6), (MORE_THAN_HALF, 9, 5), (MORE_THAN_HALF, 1, 1),
    (MORE_THAN_HALF, 0, 1),
    (Share(2, 3, True), 9, 6), (Share(2, 3, True), 10, 7), (Share(2, 3, False), 9, 7),
    (Share(3, 4, True), 4, 3), (Share(3, 4, False), 4, 4),
])
def test_least_count_is_the_first_that_meets(share, base, least):
    assert share.least(base) == least
    if base:
        assert share.met(least, base) and not share.met(least - 1, base)


def test_codes_round_trip_and_bad_shares_are_refused():
    for share in (MORE_THAN_HALF, Share(2, 3, True), Share(3, 4, False)):
        assert Share.parse(share.code) == share
    with pytest.raises(ValueError):
        Share(3, 2)
    with pytest.raises(ValueError):
        Share(1, 0)


def test_a_meeting_needs_both_tests():
    # 40 households, 21 present (more than half), 11 for (more than half of 21): adopted.
    ok = check(eligible=40, present=21, votes_for=11, votes_against=8, abstained=2)
    assert ok.quorum_met and ok.approved and ok.adopted
    assert (ok.quorum_needed, ok.approval_needed, ok.not_voting) == (21, 11, 0)
    # 20 of 40 present: exactly half is no quorum, however many are for.
    assert not check(eligible=40, present=20, votes_for=20, votes_against=0,
                     abstained=0).adopted
    # 10 of 21 present for, the rest against or silent: not more than half of those present.
    no = check(eligible=40, present=21, votes_for=10, votes_against=5, abstained=3)
    assert no.quorum_met and not no.approved and not no.adopted and no.not_voting == 3
