"""Answering: anonymity by design, once per resident per run (also at once), residents of the
community only, bad input refused naming the field with nothing saved; opening and closing."""

import pytest
from django.db import connection

from xingfuli.core.errors import DomainError
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import run_at_once
from xingfuli.survey import services
from xingfuli.survey.models import Answer, Participation, Response, SurveyRun
from xingfuli.survey.tests.conftest import scores


def fields_of(model):
    return {f.name for f in model._meta.get_fields()}


def test_anonymous_answer_keeps_no_link_to_the_user(survey):
    w = survey.world
    audit_before = AuditEntry.objects.count()
    response = services.survey_answer(actor=w.alice, run_id=survey.run.pk,
                                      answers=scores(4, suggestion="多办些活动"))
    response.refresh_from_db()
    assert response.user_id is None
    assert response.grid_id == w.grid1.pk  # the run is not anonymous-only
    # The stored answer: no user, no time finer than the day, a random id.
    assert fields_of(Response) == {"id", "run", "day", "user", "grid", "answers"}
    assert type(response.day).__name__ == "date"
    assert not isinstance(response.pk, int)
    answers = {a.question: (a.score, a.text) for a in Answer.objects.filter(response=response)}
    assert answers["happiness"] == (4, "") and answers["suggestion"] == (None, "多办些活动")
    assert len(answers) == 8
    # The 'answered' row: who and which run, nothing else — no answer, no time, a random id.
    p = Participation.objects.get()
    assert (p.user_id, p.run_id) == (w.alice.pk, survey.run.pk)
    assert fields_of(Participation) == {"id", "run", "user"}
    assert not isinstance(p.pk, int) and p.pk != response.pk
    # In the table itself: these columns only, the user's empty.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM survey_response")
        rows = cursor.fetchall()
        columns = [c[0] for c in cursor.description]
    assert columns == ["id", "run_id", "day", "user_id", "grid_id"] or sorted(columns) == sorted(
        ["id", "run_id", "day", "user_id", "grid_id"])
    assert [dict(zip(columns, r, strict=True))["user_id"] for r in rows] == [None]
    # No audit entry names her at the moment of answering.
    assert AuditEntry.objects.count() == audit_before


def test_named_answer_keeps_the_user(survey):
    w = survey.world
    response = services.survey_answer(actor=w.alice, run_id=survey.run.pk, answers=scores(3),
                                      anonymous=False)
    assert Response.objects.get(pk=response.pk).user_id == w.alice.pk


def test_anonymous_only_run_keeps_neither_user_nor_grid(survey):
    w = survey.world
    services.run_close(actor=w.carol, run_id=survey.run.pk)
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2027Q1",
                            anonymous_only=True)
    response = services.survey_answer(actor=w.alice, run_id=run.pk, answers=scores(3),
                                      anonymous=False)  # asked by name: still anonymous
    response.refresh_from_db()
    assert (response.user_id, response.grid_id) == (None, None)


def test_one_answer_per_resident_per_run(survey):
    w = survey.world
    services.survey_answer(actor=w.alice, run_id=survey.run.pk, answers=scores(5))
    with pytest.raises(DomainError) as e:
        services.survey_answer(actor=w.alice, run_id=survey.run.pk, answers=scores(1),
                               anonymous=False)
    assert e.value.code == "duplicate" and e.value.field == "run"
    assert "already answered" in str(e.value.message)
    assert Response.objects.count() == 1 and Participation.objects.count() == 1
    assert set(Answer.objects.values_list("score", flat=True)) == {5}


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_store_one_answer(transactional_db):
    from xingfuli.core.testing import build_world

    w = build_world()
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2026Q4")
    results = run_at_once([
        lambda: services.survey_answer(actor=w.alice, run_id=run.pk, answers=scores(5)),
        lambda: services.survey_answer(actor=w.alice, run_id=run.pk, answers=scores(2)),
    ])
    ok = [r for r in results if isinstance(r, Response)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert refused[0].code == "duplicate"
    assert Response.objects.count() == 1 and Participation.objects.count() == 1
    assert Answer.objects.filter(question="happiness").count() == 1


def test_residents_of_another_community_and_staff_are_refused(survey):
    w = survey.world
    for actor in (survey.olga, w.carol, w.oscar, w.gina):
        with pytest.raises(DomainError) as e:
            services.survey_answer(actor=actor, run_id=survey.run.pk, answers=scores(4))
        assert e.value.code == "forbidden", actor
    assert not Response.objects.exists() and not Participation.objects.exists()


@pytest.mark.parametrize(("answers", "field"), [
    (scores(4, happiness=7), "happiness"),
    (scores(4, safety=0), "safety"),
    (scores(4, grid="很好"), "grid"),
    (scores(4, grid="4.5"), "grid"),
    (scores(4, canteen=True), "canteen"),
    ({k: v for k, v in scores(4).items() if k != "housing"}, "housing"),
    (scores(4, property=""), "property"),
    (scores(4, suggestion="长" * 501), "suggestion"),
    (scores(4, weather=3), "weather"),
])
def test_bad_input_names_the_field_and_saves_nothing(survey, answers, field):
    with pytest.raises(DomainError) as e:
        services.survey_answer(actor=survey.world.alice, run_id=survey.run.pk, answers=answers)
    assert e.value.code == "invalid" and e.value.field == field
    assert str(e.value.message)
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not Participation.objects.exists()


def test_scores_as_form_strings_are_accepted(survey):
    services.survey_answer(actor=survey.world.alice, run_id=survey.run.pk,
                           answers={k: str(v) for k, v in scores(2).items()})
    assert set(Answer.objects.exclude(score=None).values_list("score", flat=True)) == {2}


def test_closed_run_takes_no_answers(survey):
    w = survey.world
    services.run_close(actor=w.carol, run_id=survey.run.pk)
    with pytest.raises(DomainError) as e:
        services.survey_answer(actor=w.alice, run_id=survey.run.pk, answers=scores(4))
    assert e.value.code == "invalid_transition"
    with pytest.raises(DomainError):
        services.run_close(actor=w.carol, run_id=survey.run.pk)


def test_open_and_close_rules(survey):
    w = survey.world
    cid = w.community.pk
    with pytest.raises(DomainError) as e:  # one open run at a time
        services.run_open(actor=w.carol, community_id=cid, period="2027Q1")
    assert e.value.field == "period"
    for actor in (w.gina, w.alice, w.sam, w.oscar, w.vera):
        with pytest.raises(DomainError):
            services.run_open(actor=actor, community_id=cid, period="2027Q2")
        with pytest.raises(DomainError):
            services.run_close(actor=actor, run_id=survey.run.pk)
    with pytest.raises(DomainError) as e:
        services.run_close(actor=w.carol, run_id=survey.run.pk, version=99)
    assert e.value.code == "conflict"
    closed = services.run_close(actor=w.adam, run_id=survey.run.pk)
    assert closed.status == SurveyRun.Status.CLOSED and closed.closed_by == w.adam
    with pytest.raises(DomainError) as e:  # the same period twice
        services.run_open(actor=w.carol, community_id=cid, period="2026Q4")
    assert e.value.code == "duplicate" and e.value.field == "period"
    with pytest.raises(DomainError) as e:
        services.run_open(actor=w.carol, community_id=cid, period="x" * 31)
    assert e.value.field == "period"
    import datetime as dt

    assert services.current_period(dt.date(2026, 11, 28)) == "2026Q4"
    assert services.current_period(dt.date(2027, 1, 1)) == "2027Q1"
    # The other community's staff open their own (default period: this quarter).
    default = services.run_open(actor=w.oscar, community_id=w.other.pk)
    assert default.period == services.current_period()
    assert default.questions[0] == "happiness" and "suggestion" in default.questions
