"""The survey's part of the JSON API under /api/v1/survey/: a resident's current run and their
answer, the results for staff. Parse, call a service or selector, shape the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from xingfuli.core.errors import NotFound
from xingfuli.core.pages import actor_of as _actor
from xingfuli.survey import selectors, services
from xingfuli.survey.questions import MAX_SCORE, MIN_SCORE, SCORE, index_of, scale_of

router = Router(tags=["survey"])


class ChoiceOut(Schema):
    score: int
    label: str


class QuestionOut(Schema):
    code: str = Field(description="The key of the answer in `answers`.")
    kind: str = Field(description="`score` (an integer from 1 to 5) or `text` (optional).")
    label: str
    required: bool
    choices: list[ChoiceOut] = Field(description="The answers of a score question, 5 to 1.")


class CurrentOut(Schema):
    run_id: int
    period: str
    anonymous_only: bool = Field(description="Answers are always anonymous in this run.")
    answered: bool = Field(description="The resident has answered this run already.")
    questions: list[QuestionOut]


class AnswerIn(Schema):
    answers: dict[str, Any] = Field(
        description="Question code → score (1–5) for every score question; the text "
                    "question (`suggestion`) may be left out.")
    anonymous: bool = Field(True, description="False: the answer keeps the resident's name.")


class AnsweredOut(Schema):
    run_id: int
    anonymous: bool


class RunOut(Schema):
    id: int
    community: str = Field(description="The community's short name (slug).")
    period: str
    status: str = Field(description="`open` or `closed`.")
    anonymous_only: bool
    responses: int
    happiness_index: float | None = Field(description="0–100; null without answers.")
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class DistributionOut(Schema):
    score: int
    label: str
    count: int
    share: float = Field(description="count / answers to the question, 0 to 1.")


class QuestionResultOut(Schema):
    code: str
    label: str
    mean: float | None = Field(description="Mean score (1–5), two decimals; null: no answers.")
    count: int
    previous_mean: float | None = Field(description="The same in the previous run.")
    distribution: list[DistributionOut]


class GridResultOut(Schema):
    grid_id: int
    name: str
    responses: int
    index: float | None
    means: dict[str, float]


class ResultsOut(Schema):
    run_id: int
    period: str
    status: str
    responses: int
    happiness_index: float | None = Field(
        description="Mean answer to `happiness` scaled to 0–100 (1 → 0, 5 → 100).")
    previous_period: str | None
    previous_responses: int
    previous_index: float | None
    questions: list[QuestionResultOut]
    by_grid: bool = Field(description="False for an anonymous-only run (no grid kept).")
    grids: list[GridResultOut] = Field(
        description=f"Grids with at least {selectors.MIN_GROUP} answers only.")
    grids_hidden: int = Field(description="Grids with answers left out for being too few.")
    suggestions: list[str] = Field(description="Free-text suggestions, without names.")


def _choices(code: str) -> list[dict[str, Any]]:
    scale = scale_of(code)
    return [{"score": s, "label": str(scale[s - MIN_SCORE])}
            for s in range(MAX_SCORE, MIN_SCORE - 1, -1)]


@router.get("/current", response=CurrentOut)
def current(request: HttpRequest) -> dict[str, Any]:
    """The open run of the resident's community (404 when there is none for them)."""
    found = selectors.current_for(actor=_actor(request))
    if found is None:
        raise NotFound()
    return {
        "run_id": found.run.pk, "period": found.run.period,
        "anonymous_only": found.run.anonymous_only, "answered": found.answered,
        "questions": [{"code": q.code, "kind": q.kind, "label": str(q.label),
                       "required": q.required,
                       "choices": _choices(q.code) if q.kind == SCORE else []}
                      for q in found.questions],
    }


@router.post("/runs/{run_id}/answers", response={201: AnsweredOut})
def answer(request: HttpRequest, run_id: int, payload: AnswerIn) -> Status[dict[str, Any]]:
    """Answer once per run; a second answer is a 400 with `code` `duplicate`."""
    response = services.survey_answer(actor=_actor(request), run_id=run_id,
                                      answers=payload.answers, anonymous=payload.anonymous)
    return Status(201, {"run_id": run_id, "anonymous": response.user_id is None})


@router.get("/runs", response=list[RunOut])
def runs(request: HttpRequest) -> list[dict[str, Any]]:
    """The runs of the communities whose board the caller sees (Capability.VIEW_DASHBOARD),
    newest first per community; empty for anyone else. One query for the runs."""
    return [
        {"id": r.pk, "community": r.community.slug, "period": r.period, "status": r.status,
         "anonymous_only": r.anonymous_only, "responses": r.responses_n,  # type: ignore[attr-defined]
         "happiness_index": index_of(r.mean),  # type: ignore[attr-defined]
         "opened_at": r.opened_at, "closed_at": r.closed_at}
        for r in selectors.runs_for(actor=_actor(request))[:200]
    ]


@router.get("/runs/{run_id}/results", response=ResultsOut)
def results(request: HttpRequest, run_id: int) -> dict[str, Any]:
    """For staff who see the community's board (Capability.VIEW_DASHBOARD)."""
    r = selectors.run_results(actor=_actor(request), run_id=run_id)
    return {
        "run_id": r.run.pk, "period": r.run.period, "status": r.run.status,
        "responses": r.responses, "happiness_index": r.index,
        "previous_period": r.previous.period if r.previous else None,
        "previous_responses": r.previous_responses, "previous_index": r.previous_index,
        "questions": [q.__dict__ for q in r.questions], "by_grid": r.by_grid,
        "grids": [g.__dict__ for g in r.grids], "grids_hidden": r.grids_hidden,
        "suggestions": r.suggestions,
    }
