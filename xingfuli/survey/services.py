"""Writes of the 幸福指数 survey: staff open and close runs; a resident answers once per run.

Answering writes no audit entry and no time finer than the day: an entry naming the actor at
the moment of the answer would tie an anonymous response to its author (see docs/survey.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, require
from xingfuli.registry.models import Resident
from xingfuli.survey.models import Answer, Participation, Response, SurveyRun
from xingfuli.survey.questions import (
    DEFAULT_CODES,
    MAX_SCORE,
    MIN_SCORE,
    SCORE,
    TEXT_LIMIT,
    questions_of,
)

MANAGE = Capability.MANAGE_GRID  # community staff and admins: the survey is 社情民意 work
PERIOD_LIMIT = 30


@dataclass(frozen=True)
class Home:
    """Where a resident with a login lives: their community and their building's grid."""

    community_id: int
    grid_id: int | None


def home_of(user: User) -> Home | None:
    """The community (and grid) of the active resident record linked to `user`; one query."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = (Resident.objects.filter(user_id=user.pk, status=Resident.Status.ACTIVE)
           .values_list("household__dwelling__unit__building__community_id",
                        "household__dwelling__unit__building__grid_link__grid_id").first())
    if row is None:
        return None
    return Home(community_id=row[0], grid_id=row[1])


def current_period(day: object = None) -> str:
    """The quarter of `day` (default today), e.g. "2026Q4": the usual period of a run."""
    today = day if day is not None else timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"  # type: ignore[attr-defined]


@transaction.atomic
def run_open(*, actor: User, community_id: int, period: str = "",
             anonymous_only: bool = False) -> SurveyRun:
    """Staff open the community's survey for a period (default: this quarter)."""
    if not Community.objects.filter(pk=community_id).exists():
        raise NotFound()
    require(actor, MANAGE, community_id=community_id)
    label = (period or "").strip() or current_period()
    if len(label) > PERIOD_LIMIT:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(n)d characters.") % {"n": PERIOD_LIMIT}, field="period")
    if SurveyRun.objects.filter(community_id=community_id, period=label).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("This community already has a survey for %(period)s.")
                          % {"period": label}, field="period")
    if SurveyRun.objects.filter(community_id=community_id,
                                status=SurveyRun.Status.OPEN).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("A survey is already open: close it before opening another."),
                          field="period")
    try:
        with transaction.atomic():
            run = SurveyRun.objects.create(
                community_id=community_id, period=label, anonymous_only=anonymous_only,
                questions=list(DEFAULT_CODES), opened_by=actor)
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE,
                          _("A survey is already open: close it before opening another."),
                          field="period") from None
    audit.record("survey.run.opened", actor=actor, target=run, period=label,
                 anonymous_only=anonymous_only)
    return run


@transaction.atomic
def run_close(*, actor: User, run_id: int, version: int | None = None) -> SurveyRun:
    """Staff close an open run: no more answers; its results become the board's."""
    run = SurveyRun.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    require(actor, MANAGE, community_id=run.community_id)
    if version is not None and version != run.version:
        raise DomainError(ErrorCode.CONFLICT,
                          _("Someone else changed this in the meantime. Reload and try again."),
                          field="version")
    if run.status != SurveyRun.Status.OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This survey is already closed."),
                          field="status")
    run.status, run.closed_by, run.closed_at = SurveyRun.Status.CLOSED, actor, timezone.now()
    run.version += 1
    run.save(update_fields=["status", "closed_by", "closed_at", "version"])
    audit.record("survey.run.closed", actor=actor, target=run)
    return run


def _score(code: str, value: object) -> int:
    if value is None or value == "":
        raise DomainError(ErrorCode.INVALID, _("Please answer this question."), field=code)
    if isinstance(value, bool):
        value = None
    try:
        score: int = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        score = 0
    if str(score) != str(value).strip() or not MIN_SCORE <= score <= MAX_SCORE:
        raise DomainError(ErrorCode.INVALID,
                          _("Choose one of the answers, from %(lo)d to %(hi)d.")
                          % {"lo": MIN_SCORE, "hi": MAX_SCORE}, field=code)
    return score


def validate_answers(run: SurveyRun, answers: Mapping[str, object]) -> list[Answer]:
    """The run's questions answered: each score 1–5 given, the text within its limit; an
    unknown question is refused. Unsaved Answer rows, in the run's order."""
    asked = questions_of(run.questions)
    codes = {q.code for q in asked}
    for code in answers:
        if code not in codes:
            raise DomainError(ErrorCode.INVALID, _("This survey has no such question."),
                              field=str(code)[:40])
    rows: list[Answer] = []
    for q in asked:
        value = answers.get(q.code)
        if q.kind == SCORE:
            rows.append(Answer(question=q.code, score=_score(q.code, value)))
            continue
        text = "" if value is None else str(value).replace("\x00", "").strip()  # PG: no NUL
        if len(text) > TEXT_LIMIT:
            raise DomainError(ErrorCode.INVALID,
                              _("At most %(n)d characters.") % {"n": TEXT_LIMIT}, field=q.code)
        if text:
            rows.append(Answer(question=q.code, text=text))
    return rows


def _already() -> DomainError:
    return DomainError(ErrorCode.DUPLICATE,
                       _("You have already answered this survey. Thank you!"), field="run")


@transaction.atomic
def survey_answer(*, actor: User, run_id: int, answers: Mapping[str, object],
                  anonymous: bool = True) -> Response:
    """A resident of the run's community answers it, once. Anonymous (the default): the
    response keeps no user; the participation row keeps no answer. By name: the response
    keeps the user. A second answer, also one sent at the same moment, is refused clearly."""
    run = SurveyRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    home = home_of(actor)
    if home is None or home.community_id != run.community_id:
        raise Forbidden(_("Only residents of this community can answer its survey."))
    if run.status != SurveyRun.Status.OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This survey is closed."),
                          field="run")
    rows = validate_answers(run, answers)
    if Participation.objects.filter(run=run, user=actor).exists():
        raise _already()
    named = not (anonymous or run.anonymous_only)
    try:
        with transaction.atomic():
            Participation.objects.create(run=run, user=actor)
    except IntegrityError:
        raise _already() from None
    response = Response.objects.create(
        run=run, day=timezone.localdate(), user=actor if named else None,
        grid_id=None if run.anonymous_only else home.grid_id)
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response
