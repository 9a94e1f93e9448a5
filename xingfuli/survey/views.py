"""Pages of the 幸福指数 survey: the resident's one-page questionnaire (and its thanks), the
staff's runs (open, close) and a run's results. Parse input, call selectors and services,
render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.pages import staff_page
from xingfuli.survey import selectors, services
from xingfuli.survey.questions import MAX_SCORE, MIN_SCORE, SCORE, index_of, scale_of


def _choices(code: str) -> list[tuple[int, str]]:
    scale = scale_of(code)
    return [(s, str(scale[s - MIN_SCORE])) for s in range(MAX_SCORE, MIN_SCORE - 1, -1)]


@staff_page
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    """The open survey of the resident's community on one phone-sized page: one tap per
    question, then send. After answering (or with no open run) the page says so."""
    actor = _actor(request)
    current = selectors.current_for(actor=actor)
    error: DomainError | None = None
    if request.method == "POST":
        if current is None:
            raise NotFound()
        answers = {q.code: request.POST.get(q.code, "") for q in current.questions}
        try:
            services.survey_answer(actor=actor, run_id=current.run.pk, answers=answers,
                                   anonymous=request.POST.get("named") != "yes")
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            if exc.code != ErrorCode.DUPLICATE:
                error = exc
            else:
                messages.info(request, str(exc.message))
                return redirect("survey:answer")
        else:
            messages.success(request, _("Thank you! Your answers were received."))
            return redirect("survey:answer")
    questions = [
        {"code": q.code, "label": q.label, "score": q.kind == SCORE,
         "choices": _choices(q.code) if q.kind == SCORE else [],
         "value": request.POST.get(q.code, "") if error else "",
         "error": str(error.message) if error and error.field == q.code else ""}
        for q in (current.questions if current else [])
    ]
    return render(request, "survey/answer.html", {
        "current": current, "questions": questions, "error": error,
        "named": request.POST.get("named") == "yes" if error else False,
    }, status=400 if error else 200)


@staff_page
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    """The runs of the communities whose board the actor sees; staff who manage a community
    open its next run here."""
    actor = _actor(request)
    communities = selectors.viewable_communities(actor=actor)
    if not communities:
        raise NotFound()
    manageable = [c for c in communities if selectors.can_manage(actor, c.pk)]
    error: DomainError | None = None
    if request.method == "POST":
        try:
            community_id = int(request.POST.get("community", "") or 0)
        except ValueError:
            community_id = 0
        if community_id not in {c.pk for c in manageable}:
            raise NotFound()
        try:
            run = services.run_open(actor=actor, community_id=community_id,
                                    period=request.POST.get("period", ""),
                                    anonymous_only=request.POST.get("anonymous_only") == "yes")
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("The survey %(period)s is open: residents see it on "
                                        "their home page.") % {"period": run.period})
            return redirect("survey:runs")
    rows = list(selectors.runs_for(actor=actor)[:200])
    for row in rows:
        row.index_shown = index_of(row.mean)  # type: ignore[attr-defined]
    return render(request, "survey/runs.html", {
        "runs": rows,
        "manageable": manageable, "error": error, "post": request.POST,
        "period": services.current_period(),
        "managed_ids": {c.pk for c in manageable},
    }, status=400 if error else 200)


@staff_page
@require_GET
def results(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.run_results(actor=actor, run_id=run_id)
    return render(request, "survey/results.html", {
        "r": found, "min_group": selectors.MIN_GROUP,
        "can_manage": selectors.can_manage(actor, found.run.community_id),
    })


@staff_page
@require_POST
def close(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = _actor(request)
    selectors.access_run(actor=actor, run_id=run_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.run_close(actor=actor, run_id=run_id, version=version)
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The survey is closed."))
    return redirect("survey:results", run_id)
