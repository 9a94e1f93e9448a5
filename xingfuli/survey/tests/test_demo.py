"""The demo's survey: last quarter's run closed, this quarter's open, a few hundred answers;
the board shows the closed run; the demo's resident login can still answer; under a second."""

from __future__ import annotations

import pytest

from xingfuli.core.models import User
from xingfuli.dashboard.board import board_for
from xingfuli.demo import loader
from xingfuli.demo.base import RESIDENT_MOBILES, STAFF_MOBILE
from xingfuli.survey import selectors
from xingfuli.survey.demo import build_survey, reset_survey
from xingfuli.survey.models import Response, SurveyRun
from xingfuli.survey.services import current_period


@pytest.mark.django_db
def test_demo_survey_part():
    world = loader.build()
    runs = list(SurveyRun.objects.filter(community=world.community).order_by("opened_at"))
    assert [r.status for r in runs] == ["closed", "open"]
    assert runs[1].period == current_period()
    n = Response.objects.filter(run__community=world.community).count()
    assert n == world.counts["survey_responses"] and 300 <= n <= 700
    staff = User.objects.get(mobile=STAFF_MOBILE)
    r = selectors.run_results(actor=staff, run_id=runs[1].pk)
    assert r.previous is not None and r.previous.pk == runs[0].pk
    assert r.index is not None and r.previous_index is not None
    assert len(r.grids) == 8 and r.suggestions
    board = board_for(world.community)
    assert board.survey is not None and board.survey["period"] == runs[0].period
    assert board.survey["responses"] == Response.objects.filter(run=runs[0]).count()
    resident = User.objects.get(mobile=RESIDENT_MOBILES[0])
    current = selectors.current_for(actor=resident)
    assert current is not None and current.run == runs[1] and not current.answered

    reset_survey([world.community.pk, world.other.pk])
    assert not SurveyRun.objects.exists() and not Response.objects.exists()
    build_survey(world)
