"""The demo's elevator retrofits follow the app's own rules: every stage history runs in order
and enters consent only after the 15-day notice is over; the article's numbers (32 in use,
3 installing, 15 meetings, 3 site inspections) come from the records; shares sum exactly and
follow the agreed table or the area; closed votes passed and one vote is open for the demo owner."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from xingfuli.core.models import Community, User
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import build, reset
from xingfuli.elevators import selectors, services
from xingfuli.elevators.demo import OWNER_MOBILE
from xingfuli.elevators.models import (
    STAGE_ORDER,
    Activity,
    BallotRound,
    CostShare,
    Project,
    SharingMethod,
    Stage,
)

pytestmark = pytest.mark.django_db


def test_demo_elevators_obey_the_notice_rule_and_count_from_records():
    build()
    wanquan = Community.objects.get(slug="wanquan")
    projects = list(Project.objects.filter(community=wanquan).prefetch_related("events"))
    assert projects

    for p in projects:
        events = sorted(p.events.all(), key=lambda e: (e.on, e.pk))
        # The history walks the stages in order, one step at a time, never back in time.
        reached = [e.to_stage for e in events]
        assert reached == list(STAGE_ORDER[:STAGE_ORDER.index(p.stage) + 1]), p.name
        assert [e.from_stage for e in events] == ["", *reached[:-1]]
        days = [e.on for e in events]
        assert days == sorted(days) and len(set(days)) == len(days)
        assert p.stage_since == days[-1]
        entered = {e.to_stage: e.on for e in events}
        if Stage.NOTICE in entered:
            assert p.notice_starts_on == entered[Stage.NOTICE]
            assert p.notice_ends_on == services.notice_end(p.notice_starts_on)
        if Stage.CONSENT in entered:  # project_advance refuses consent until after the notice
            assert p.notice_ends_on is not None
            assert entered[Stage.CONSENT] > p.notice_ends_on, p.name

    # The article's numbers, from the records and in the summary.
    stages = [p.stage for p in projects]
    in_use = stages.count(Stage.IN_USE)
    installing = sum(stages.count(s) for s in (Stage.CONSTRUCTION, Stage.COMMISSIONING))
    activities = Activity.objects.filter(community=wanquan)
    meetings = activities.filter(kind=Activity.Kind.MEETING).count()
    visits = activities.filter(kind=Activity.Kind.SITE_VISIT).count()
    assert (in_use, installing, meetings, visits) == (32, 3, 15, 3)
    summary = community_summary(wanquan)
    assert (summary["elevators_in_use"], summary["elevators_installing"],
            summary["elevator_meetings"], summary["elevator_site_visits"]) == (32, 3, 15, 3)

    # Shares: exact to the fen, by the agreed table or (none agreed) by area.
    for p in projects:
        shares = list(CostShare.objects.filter(project=p).select_related("dwelling"))
        if STAGE_ORDER.index(p.stage) < STAGE_ORDER.index(Stage.PLAN):
            assert not shares and p.floor_coefficients == {}
            continue
        sources = p.sources.aggregate(t=Sum("amount"))["t"] or Decimal(0)
        assert sum(s.amount for s in shares if s.kind == "construction") == p.budget - sources
        assert sum(s.amount for s in shares if s.kind == "maintenance") == p.maintenance_yearly
        for s in shares:
            if p.sharing_method == SharingMethod.FLOOR:
                assert s.coefficient == Decimal(p.floor_coefficients[str(s.dwelling.floor)])
            else:
                assert p.floor_coefficients == {} and s.coefficient == 1
    methods = {p.sharing_method for p in projects if p.budget}
    assert methods == {SharingMethod.FLOOR, SharingMethod.AREA}

    # Votes: every closed one passed when recounted; one is open, and the owner login votes.
    rounds = BallotRound.objects.filter(project__community=wanquan)
    for r in rounds.filter(status=BallotRound.Status.CLOSED):
        recount = selectors.tally(selectors.voter_roll(r.project), selectors.round_ballots(r))
        assert r.passed and recount.passed
    [open_round] = rounds.filter(status=BallotRound.Status.OPEN)
    owner = User.objects.get(mobile=OWNER_MOBILE)
    ballot = services.ballot_cast_online(actor=owner, project_id=open_round.project_id,
                                         choice="yes")
    assert ballot.round_id == open_round.pk

    reset()
    assert not Project.objects.exists() and not Activity.objects.exists()
