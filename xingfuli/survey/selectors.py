"""Reads of the 幸福指数 survey, scoped by the actor: a resident's current run, the runs and
results staff may see (Capability.VIEW_DASHBOARD in the run's community), and the figures the
board and the summary show. Every read runs a fixed number of queries, whatever the answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xingfuli.core.errors import NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scoped
from xingfuli.core.selectors import communities_for
from xingfuli.survey.models import Answer, Participation, Response, SurveyRun
from xingfuli.survey.questions import (
    INDEX_QUESTION,
    MAX_SCORE,
    MIN_SCORE,
    QUESTIONS,
    SCORE,
    TEXT,
    Question,
    index_of,
    questions_of,
    scale_of,
)
from xingfuli.survey.services import MANAGE, Home, home_of

MIN_GROUP = 5  # a grid's figures are shown only from this many answers (anonymity)
SUGGESTIONS_SHOWN = 200


def can_view(actor: Any, community_id: int) -> bool:
    return has_capability(actor, Capability.VIEW_DASHBOARD, community_id=community_id)


def can_manage(actor: Any, community_id: int) -> bool:
    return has_capability(actor, MANAGE, community_id=community_id)


# --- residents --------------------------------------------------------------------------


@dataclass(frozen=True)
class Current:
    run: SurveyRun
    home: Home
    answered: bool
    questions: list[Question]


def current_for(*, actor: User) -> Current | None:
    """The open run of the resident's community and whether they have answered it (three
    queries); None for someone who is not a resident here or when no run is open."""
    home = home_of(actor)
    if home is None:
        return None
    run = SurveyRun.objects.filter(community_id=home.community_id,
                                   status=SurveyRun.Status.OPEN).first()
    if run is None:
        return None
    answered = Participation.objects.filter(run=run, user=actor).exists()
    return Current(run=run, home=home, answered=answered, questions=questions_of(run.questions))


def has_open_run(*, actor: User) -> bool:
    """For the home link: a resident whose community has an open run they have not answered."""
    current = current_for(actor=actor)
    return current is not None and not current.answered


# --- staff ------------------------------------------------------------------------------


def viewable_communities(*, actor: Any) -> list[Community]:
    return [c for c in communities_for(actor=actor) if can_view(actor, c.pk)]


def runs_for(*, actor: Any) -> QuerySet[SurveyRun]:
    """Runs of the communities whose board the actor sees, newest first, with their response
    counts and index (one query)."""
    ids = [c.pk for c in viewable_communities(actor=actor)]
    return (
        scoped(SurveyRun.objects.all(), actor).filter(community_id__in=ids)
        .select_related("community")
        .annotate(responses_n=_count_of(), mean=_mean_of())
        .order_by("community__name", "-opened_at", "-id")
    )


def access_run(*, actor: Any, run_id: int) -> SurveyRun:
    run = scoped(SurveyRun.objects.select_related("community"), actor).filter(
        pk=run_id).first()
    if run is None or not can_view(actor, run.community_id):
        raise NotFound()
    return run


def _count_of() -> Coalesce:
    counted = (Response.objects.filter(run=OuterRef("pk")).order_by().values("run")
               .annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(counted), 0)


def _mean_of() -> Subquery:
    mean = (Answer.objects.filter(response__run=OuterRef("pk"), question=INDEX_QUESTION)
            .order_by().values("response__run").annotate(m=Avg("score")).values("m"))
    return Subquery(mean)


@dataclass
class QuestionResult:
    code: str
    label: str
    mean: float | None
    count: int
    distribution: list[dict[str, Any]]  # per score 1..5: score, label, count, share (0–1)
    previous_mean: float | None = None

    @property
    def change(self) -> float | None:
        if self.mean is None or self.previous_mean is None:
            return None
        return round(self.mean - self.previous_mean, 2)


@dataclass
class GridResult:
    grid_id: int
    name: str
    responses: int
    index: float | None
    means: dict[str, float]


@dataclass
class Results:
    run: SurveyRun
    responses: int
    index: float | None
    questions: list[QuestionResult]
    previous: SurveyRun | None
    previous_responses: int
    previous_index: float | None
    grids: list[GridResult] = field(default_factory=list)
    grids_hidden: int = 0  # grids with answers but fewer than MIN_GROUP
    by_grid: bool = False  # False for an anonymous-only run
    suggestions: list[str] = field(default_factory=list)

    @property
    def index_change(self) -> float | None:
        if self.index is None or self.previous_index is None:
            return None
        return round(self.index - self.previous_index, 1)


def previous_run(run: SurveyRun) -> SurveyRun | None:
    return (SurveyRun.objects.filter(community_id=run.community_id, opened_at__lt=run.opened_at)
            .order_by("-opened_at", "-id").first())


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def run_results(*, actor: Any, run_id: int) -> Results:
    """The run's results from its records: response count, index, mean and distribution per
    question, the previous run's figures beside them, by grid (groups of at least MIN_GROUP
    answers; not for an anonymous-only run) and the suggestions without names. Six queries."""
    run = access_run(actor=actor, run_id=run_id)
    prev = previous_run(run)
    runs = [run.pk] + ([prev.pk] if prev else [])
    counts = dict(Response.objects.filter(run__in=runs).order_by().values("run")
                  .annotate(n=Count("*")).values_list("run", "n"))
    cells = (Answer.objects.filter(response__run__in=runs, score__isnull=False).order_by()
             .values("response__run", "question", "score").annotate(n=Count("*")))
    tally: dict[tuple[int, str], dict[int, int]] = {}
    for c in cells:
        tally.setdefault((c["response__run"], c["question"]), {})[c["score"]] = c["n"]

    def mean(run_pk: int, code: str) -> tuple[float | None, int]:
        found = tally.get((run_pk, code), {})
        n = sum(found.values())
        return (round(sum(s * k for s, k in found.items()) / n, 2) if n else None), n

    out: list[QuestionResult] = []
    for q in questions_of(run.questions):
        if q.kind != SCORE:
            continue
        m, n = mean(run.pk, q.code)
        found = tally.get((run.pk, q.code), {})
        scale = scale_of(q.code)
        out.append(QuestionResult(
            code=q.code, label=str(q.short), mean=m, count=n,
            previous_mean=mean(prev.pk, q.code)[0] if prev else None,
            distribution=[{"score": s, "label": str(scale[s - MIN_SCORE]),
                           "count": found.get(s, 0),
                           "share": round(found.get(s, 0) / n, 4) if n else 0.0}
                          for s in range(MIN_SCORE, MAX_SCORE + 1)]))
    results = Results(
        run=run, responses=counts.get(run.pk, 0),
        index=index_of(mean(run.pk, INDEX_QUESTION)[0]), questions=out, previous=prev,
        previous_responses=counts.get(prev.pk, 0) if prev else 0,
        previous_index=index_of(mean(prev.pk, INDEX_QUESTION)[0]) if prev else None,
        by_grid=not run.anonymous_only,
    )
    if results.by_grid:
        _by_grid(results)
    results.suggestions = list(
        Answer.objects.filter(response__run=run, question__in=[
            q.code for q in questions_of(run.questions) if q.kind == TEXT])
        .exclude(text="").order_by("response_id", "question")  # a random id: no answer order
        .values_list("text", flat=True)[:SUGGESTIONS_SHOWN])
    return results


def _by_grid(results: Results) -> None:
    """Per grid with at least MIN_GROUP responses: its count, index and mean per question (one
    query; smaller groups are only counted as hidden)."""
    rows = (Answer.objects.filter(response__run=results.run, response__grid__isnull=False,
                                  score__isnull=False).order_by()
            .values("response__grid", "response__grid__name", "response__grid__sequence",
                    "question")
            .annotate(n=Count("*"), m=Avg("score")))
    grids: dict[int, GridResult] = {}
    order: dict[int, int] = {}
    for r in rows:
        g = grids.setdefault(r["response__grid"], GridResult(
            grid_id=r["response__grid"], name=r["response__grid__name"], responses=0,
            index=None, means={}))
        order[g.grid_id] = r["response__grid__sequence"]
        g.means[r["question"]] = round(float(r["m"]), 2)
        if r["question"] == INDEX_QUESTION:
            g.responses = r["n"]
            g.index = index_of(r["m"])
    shown = [g for g in grids.values() if g.responses >= MIN_GROUP]
    results.grids = sorted(shown, key=lambda g: (order[g.grid_id], g.grid_id))
    results.grids_hidden = len(grids) - len(shown)


# --- the board and the summary -----------------------------------------------------------


def _latest(community_id: int) -> QuerySet[SurveyRun]:
    """The run the board shows: the latest closed one, else the one open now."""
    return SurveyRun.objects.filter(community_id=community_id).order_by(
        F("closed_at").desc(nulls_last=True), "-opened_at", "-id")


def headline(community_id: int) -> dict[str, Any]:
    """The board's run in one query: {"index": 0–100 or None, "responses": n}."""
    row = _latest(community_id).annotate(n=_count_of(), m=_mean_of()).values("n", "m").first()
    if row is None:
        return {"index": None, "responses": 0}
    return {"index": index_of(row["m"]), "responses": row["n"]}


# The board panel's words, kept in this app's catalogue (board.html shows them as given).
BOARD_LABELS: dict[str, str | Promise] = {
    "title": _("Happiness index"),
    "index": _("Happiness index (0–100)"),
    "responses": _("Residents who answered"),
    "bars": _("Mean answer per question, 1 to 5"),
}


@dataclass(frozen=True)
class BoardBar:
    code: str
    label: str
    mean: float
    percent: float  # the mean's place on the 1–5 scale, 0–100 (the bar's length)


def board_bars(community_id: int) -> tuple[str, list[BoardBar]]:
    """The board's run's period and mean per question, in the catalogue's order (one
    query)."""
    latest = _latest(community_id).values("pk")[:1]
    rows = list(Answer.objects.filter(response__run=Subquery(latest), score__isnull=False)
                .order_by().values("response__run__period", "question")
                .annotate(m=Avg("score")))
    if not rows:
        return "", []
    means = {r["question"]: float(r["m"]) for r in rows}
    bars = [BoardBar(code=q.code, label=str(q.short), mean=round(means[q.code], 2),
                     percent=index_of(means[q.code]) or 0.0)
            for q in QUESTIONS if q.code in means]
    return rows[0]["response__run__period"], bars


def answered_count(*, run: SurveyRun) -> int:
    return Participation.objects.filter(run=run).count()

