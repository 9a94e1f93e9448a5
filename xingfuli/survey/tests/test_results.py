"""Results from the records: count, index, means, distributions, the previous run, by grid
only for groups of at least five, suggestions without names; fixed query counts; the board's
panel and the summary's two keys."""

import datetime as dt

import pytest
from django.urls import reverse

from xingfuli.dashboard.board import board_for
from xingfuli.dashboard.selectors import community_summary
from xingfuli.survey import selectors, services
from xingfuli.survey.models import SurveyRun
from xingfuli.survey.questions import index_of
from xingfuli.survey.tests.conftest import scores


def answer(survey, user, value, *, named=False, **override):
    return services.survey_answer(actor=user, run_id=survey.run.pk,
                                  answers=scores(value, **override), anonymous=not named)


def test_index_scale():
    assert (index_of(1), index_of(3), index_of(5), index_of(None)) == (0.0, 50.0, 100.0, None)
    assert index_of(4.2) == 80.0


def test_results_are_computed_from_the_records(survey):
    w = survey.world
    # grid 1: alice + 6 more = 7 answers; grid 2: bob + 2 = 3 answers (hidden: fewer than 5)
    happiness = [5, 4, 4, 3, 5, 2, 4]
    for user, h in zip([w.alice, *survey.grid1], happiness, strict=True):
        answer(survey, user, 4, happiness=h, named=user is w.alice,
               suggestion="楼道灯坏了" if h == 2 else "")
    for user in [survey.bob, *survey.grid2[:2]]:
        answer(survey, user, 2, happiness=1)
    r = selectors.run_results(actor=w.carol, run_id=survey.run.pk)
    assert r.responses == 10
    all_h = [*happiness, 1, 1, 1]
    assert r.index == index_of(sum(all_h) / 10) == 50.0
    q = {x.code: x for x in r.questions}
    assert list(q) == ["happiness", "grid", "property", "canteen", "activities", "housing",
                       "safety"]
    assert q["grid"].mean == round((7 * 4 + 3 * 2) / 10, 2) and q["grid"].count == 10
    dist = {d["score"]: d["count"] for d in q["happiness"].distribution}
    assert dist == {1: 3, 2: 1, 3: 1, 4: 3, 5: 2}
    assert sum(d["share"] for d in q["happiness"].distribution) == pytest.approx(1.0)
    # By grid: grid 1 (7 answers) shown, grid 2 (3) hidden.
    assert [(g.name, g.responses) for g in r.grids] == [("第一网格", 7)]
    assert r.grids[0].index == index_of(sum(happiness) / 7)
    assert r.grids_hidden == 1
    assert r.suggestions == ["楼道灯坏了"]
    assert r.previous is None and r.index_change is None


def test_two_more_answers_make_a_grid_of_five_visible(survey):
    w = survey.world
    for user in [survey.bob, *survey.grid2]:
        answer(survey, user, 3)
    r = selectors.run_results(actor=w.carol, run_id=survey.run.pk)
    assert [(g.name, g.responses) for g in r.grids] == [("第二网格", 5)]
    assert r.grids[0].means["grid"] == 3.0


def test_anonymous_only_run_has_no_grid_breakdown(survey):
    w = survey.world
    services.run_close(actor=w.carol, run_id=survey.run.pk)
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2027Q1",
                            anonymous_only=True)
    for user in [w.alice, *survey.grid1]:
        services.survey_answer(actor=user, run_id=run.pk, answers=scores(4))
    r = selectors.run_results(actor=w.carol, run_id=run.pk)
    assert r.responses == 7 and not r.by_grid and r.grids == []


def test_comparison_with_the_previous_run(survey):
    w = survey.world
    for user in [w.alice, *survey.grid1[:3]]:
        answer(survey, user, 3)
    services.run_close(actor=w.carol, run_id=survey.run.pk)
    SurveyRun.objects.filter(pk=survey.run.pk).update(
        opened_at=survey.run.opened_at - dt.timedelta(days=90))
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2027Q1")
    for user in [w.alice, survey.bob]:
        services.survey_answer(actor=user, run_id=run.pk, answers=scores(5, safety=2))
    r = selectors.run_results(actor=w.carol, run_id=run.pk)
    assert r.previous is not None and r.previous.pk == survey.run.pk
    assert (r.responses, r.previous_responses) == (2, 4)
    assert (r.index, r.previous_index, r.index_change) == (100.0, 50.0, 50.0)
    q = {x.code: x for x in r.questions}
    assert (q["safety"].mean, q["safety"].previous_mean, q["safety"].change) == (2.0, 3.0, -1.0)


def test_results_in_fixed_queries(survey, django_assert_num_queries):
    w = survey.world
    answer(survey, w.alice, 4, suggestion="好")
    carol = type(w.carol).objects.get(pk=w.carol.pk)
    with django_assert_num_queries(7):  # roles, run, previous, counts, cells, grids, texts
        selectors.run_results(actor=carol, run_id=survey.run.pk)
    for user in [*survey.grid1, survey.bob, *survey.grid2]:
        answer(survey, user, 3, suggestion="再多些活动")
    carol = type(w.carol).objects.get(pk=w.carol.pk)
    with django_assert_num_queries(7):
        r = selectors.run_results(actor=carol, run_id=survey.run.pk)
    assert r.responses == 12 and len(r.suggestions) == 12


def test_only_the_communitys_dashboard_viewers_see_results(survey):
    w = survey.world
    for actor in (w.carol, w.adam, w.gina, w.sam):
        assert selectors.run_results(actor=actor, run_id=survey.run.pk).run == survey.run
    for actor in (w.alice, w.oscar, w.cathy, w.tom, survey.olga):
        with pytest.raises(Exception) as e:
            selectors.run_results(actor=actor, run_id=survey.run.pk)
        assert getattr(e.value, "code", "") == "not_found", actor


def test_summary_and_board_show_the_latest_closed_run(survey, django_assert_num_queries):
    w = survey.world
    s = community_summary(w.community)
    assert (s["happiness_index"], s["survey_responses"]) == (None, 0)
    for user in [w.alice, *survey.grid1[:3]]:
        answer(survey, user, 4, happiness=5)
    s = community_summary(w.community)  # no run closed yet: the open one
    assert (s["happiness_index"], s["survey_responses"]) == (100.0, 4)
    services.run_close(actor=w.carol, run_id=survey.run.pk)
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2027Q1")
    services.survey_answer(actor=w.alice, run_id=run.pk, answers=scores(1))
    s = community_summary(w.community)  # the closed one, not the new open one
    assert (s["happiness_index"], s["survey_responses"]) == (100.0, 4)
    board = board_for(w.community)
    assert board.survey is not None
    assert (board.survey["index"], board.survey["responses"]) == (100.0, 4)
    assert board.survey["period"] == "2026Q4"
    bars = {b.code: b.mean for b in board.survey["bars"]}
    assert bars == {"happiness": 5.0, "grid": 4.0, "property": 4.0, "canteen": 4.0,
                    "activities": 4.0, "housing": 4.0, "safety": 4.0}


def test_board_page_shows_the_panel(survey, login):
    w = survey.world
    for user in [w.alice, *survey.grid1[:3]]:
        answer(survey, user, 4, happiness=3)
    html = login(w.carol).get(reverse("dashboard:board", args=[w.community.slug])).content.decode()
    assert 'data-survey-panel' in html
    assert '<dd id="survey-index">50.0</dd>' in html or '<dd id="survey-index">50</dd>' in html
    assert '<dd id="survey-responses">4</dd>' in html
    assert html.count('class="survey-bar"') == 7
    assert 'data-question="safety"' in html
