"""Pages, API and home links of the survey: the resident's one-page questionnaire, the staff's
runs and results, access for every kind of user, bad input on the page, fixed query counts."""

import pytest
from django.urls import reverse

from xingfuli.core.menu import links_for
from xingfuli.survey import services
from xingfuli.survey.models import Answer, Participation, Response
from xingfuli.survey.tests.conftest import scores

ANSWER = reverse("survey:answer")
RUNS = reverse("survey:runs")


def form(value=4, **override):
    data = {k: str(v) for k, v in scores(value).items()}
    data.update(override)
    return data


def test_resident_answers_on_one_page(survey, login):
    client = login(survey.world.alice)
    html = client.get(ANSWER).content.decode()
    assert html.count('type="radio"') == 7 * 5 + 2  # seven scores + anonymous or named
    assert 'name="suggestion"' in html and "2026Q4" in html
    r = client.post(ANSWER, form(5, suggestion="谢谢网格员"), follow=True)
    assert r.status_code == 200
    assert 'id="survey-state"' in r.content.decode()
    response = Response.objects.get()
    assert response.user_id is None  # anonymous unless chosen otherwise
    assert Answer.objects.get(question="suggestion").text == "谢谢网格员"
    # A second submit (the back button): a clear message, nothing more stored.
    r = client.post(ANSWER, form(1), follow=True)
    assert r.status_code == 200 and Response.objects.count() == 1
    assert 'class="msg-info"' in r.content.decode()


def test_named_answer_from_the_page(survey, login):
    login(survey.bob).post(ANSWER, form(3, named="yes"))
    assert Response.objects.get().user_id == survey.bob.pk


def test_missing_answer_is_shown_at_its_question_and_nothing_saved(survey, login):
    data = form(4)
    del data["canteen"]
    r = login(survey.world.alice).post(ANSWER, data)
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="err-canteen"' in html and 'role="alert"' in html
    assert 'name="happiness" value="4" checked' in html  # what was chosen stays chosen
    r = login(survey.world.alice).post(ANSWER, form(4, happiness="7"))
    assert r.status_code == 400 and 'id="err-happiness"' in r.content.decode()
    assert not Response.objects.exists() and not Participation.objects.exists()


def test_answer_page_for_others(survey, login, client):
    w = survey.world
    for user in (survey.olga, w.carol, w.gina):  # no open run of their own to answer
        r = login(user).get(ANSWER)
        assert r.status_code == 200 and 'type="radio"' not in r.content.decode()
        assert login(user).post(ANSWER, form(4)).status_code == 404
    assert not Response.objects.exists()
    client.logout()
    assert client.get(ANSWER).status_code == 302


def test_answer_page_in_fixed_queries(survey, login, django_assert_num_queries):
    client = login(survey.world.alice)
    client.get(ANSWER)
    # session, user, resident's home, open run, answered?, then the page frame (2)
    with django_assert_num_queries(7):
        assert client.get(ANSWER).status_code == 200


def test_home_links(survey):
    w = survey.world
    assert ANSWER in [link.url for link in links_for(w.alice)]
    assert ANSWER not in [link.url for link in links_for(survey.olga)]  # no run there
    assert RUNS in [link.url for link in links_for(w.carol)]
    assert RUNS not in [link.url for link in links_for(w.alice)]
    services.survey_answer(actor=w.alice, run_id=survey.run.pk, answers=scores(4))
    fresh = type(w.alice).objects.get(pk=w.alice.pk)
    assert ANSWER not in [link.url for link in links_for(fresh)]  # answered: gone


def test_staff_open_see_and_close(survey, login):
    w = survey.world
    for user in [w.alice, *survey.grid1[:4]]:
        services.survey_answer(actor=user, run_id=survey.run.pk, answers=scores(4))
    client = login(w.carol)
    html = client.get(RUNS).content.decode()
    assert "2026Q4" in html and "75.0" in html and 'name="period"' in html
    url = reverse("survey:results", args=[survey.run.pk])
    html = client.get(url).content.decode()
    assert '<span class="big" id="index">75.0</span>' in html
    assert '<span class="big" id="responses">5</span>' in html
    assert "第一网格" in html  # five answers in grid 1
    assert "张爱丽" not in html
    r = client.post(reverse("survey:close", args=[survey.run.pk]),
                    {"version": str(survey.run.version)})
    assert r.status_code == 302
    survey.run.refresh_from_db()
    assert survey.run.status == "closed"
    r = client.post(RUNS, {"community": str(w.community.pk), "period": "2027Q1"})
    assert r.status_code == 302
    r = client.post(RUNS, {"community": str(w.community.pk), "period": "2027Q1"})
    assert r.status_code == 400 and "2027Q1" in r.content.decode()


def test_who_sees_runs_and_results(survey, login):
    w = survey.world
    url = reverse("survey:results", args=[survey.run.pk])
    close = reverse("survey:close", args=[survey.run.pk])
    for user in (w.carol, w.adam, w.gina, w.sam):
        assert login(user).get(url).status_code == 200, user
        assert login(user).get(RUNS).status_code == 200, user
    for user in (w.alice, w.oscar, w.cathy, w.tom):
        assert login(user).get(url).status_code == 404, user
    assert login(w.alice).get(RUNS).status_code == 404
    for user in (w.gina, w.sam):  # see, not close
        assert login(user).post(close).status_code == 403
        assert "open" == type(survey.run).objects.get(pk=survey.run.pk).status
    assert login(w.gina).post(RUNS, {"community": str(w.community.pk)}).status_code == 404


def test_runs_and_results_pages_in_fixed_queries(survey, login, django_assert_num_queries):
    w = survey.world
    client = login(w.carol)
    url = reverse("survey:results", args=[survey.run.pk])
    client.get(url)
    client.get(RUNS)
    counts = []
    for users in ([w.alice], [*survey.grid1, survey.bob]):
        for user in users:
            services.survey_answer(actor=user, run_id=survey.run.pk,
                                   answers=scores(3, suggestion="建议"))
        for page in (url, RUNS):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(page).status_code == 200
            counts.append(len(ctx.captured_queries))
    assert counts[:2] == counts[2:]
    with django_assert_num_queries(counts[0]):
        client.get(url)


# --- API --------------------------------------------------------------------------------


def test_api_current_answer_results(survey, login):
    w = survey.world
    client = login(w.alice)
    body = client.get("/api/v1/survey/current").json()
    assert body["run_id"] == survey.run.pk and body["answered"] is False
    assert next(q["code"] for q in body["questions"]) == "happiness"
    assert body["questions"][0]["choices"][0]["score"] == 5
    url = f"/api/v1/survey/runs/{survey.run.pk}/answers"
    r = client.post(url, {"answers": scores(4, happiness=9)}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "happiness"
    assert not Response.objects.exists()
    r = client.post(url, {"answers": scores(4)}, content_type="application/json")
    assert r.status_code == 201 and r.json() == {"run_id": survey.run.pk, "anonymous": True}
    r = client.post(url, {"answers": scores(4)}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert client.get("/api/v1/survey/current").json()["answered"] is True
    # Another community's resident; staff.
    r = login(survey.olga).post(url, {"answers": scores(4)}, content_type="application/json")
    assert r.status_code == 403
    assert login(survey.olga).get("/api/v1/survey/current").status_code == 404
    results = f"/api/v1/survey/runs/{survey.run.pk}/results"
    assert login(w.alice).get(results).status_code == 404
    body = login(w.carol).get(results).json()
    assert body["responses"] == 1 and body["happiness_index"] == 75.0
    fours = body["questions"][0]["distribution"][3]
    assert (fours["score"], fours["count"], fours["share"]) == (4, 1, 1.0)
    assert body["by_grid"] is True and body["grids"] == [] and body["grids_hidden"] == 1


@pytest.mark.parametrize("payload", [{}, {"answers": "all good"}, {"answers": {"happiness": []}}])
def test_api_bad_payloads_are_400(survey, login, payload):
    r = login(survey.world.alice).post(f"/api/v1/survey/runs/{survey.run.pk}/answers", payload,
                                       content_type="application/json")
    assert r.status_code in (400, 422)
    assert not Response.objects.exists()


def test_openapi_documents_the_summary_keys(client):
    doc = client.get("/api/v1/openapi.json").json()
    text = str(doc)
    assert "happiness_index" in text and "survey_responses" in text
    assert "/api/v1/survey/runs/{run_id}/results" in doc["paths"]


def test_api_runs_for_board_viewers_only(survey, login):
    w = survey.world
    services.survey_answer(actor=w.alice, run_id=survey.run.pk, answers=scores(5))
    body = login(w.carol).get("/api/v1/survey/runs").json()
    assert [(r["id"], r["community"], r["status"], r["responses"], r["happiness_index"])
            for r in body] == [(survey.run.pk, "wanquan", "open", 1, 100.0)]
    assert login(w.alice).get("/api/v1/survey/runs").json() == []
    assert login(w.oscar).get("/api/v1/survey/runs").json() == []
    assert len(login(w.sam).get("/api/v1/survey/runs").json()) == 1
