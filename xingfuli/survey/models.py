"""幸福指数: a satisfaction survey run per community and period, its answers and who answered.

Anonymity by design. A `Response` holds the answers (one `Answer` per question), the day and,
unless the run is anonymous-only, the grid; it names the user only when the resident chose to
answer by name. Who has answered is a separate `Participation` row (run, user) that holds no
answer, no time and a random id: nothing the two tables share (no key, no time, no sequence)
joins a participation to a response. Its unique (run, user) constraint makes one answer per
resident per run, also when two submits arrive at once.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.survey.questions import DEFAULT_CODES, MAX_SCORE, MIN_SCORE, TEXT_LIMIT


def default_questions() -> list[str]:
    return list(DEFAULT_CODES)


class SurveyRun(models.Model):
    """One survey of one community for one period (e.g. a quarter), opened and closed by its
    staff. At most one run of a community is open at a time."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("survey run", "open")
        CLOSED = "closed", pgettext_lazy("survey run", "closed")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    period = models.CharField(_("period"), max_length=30)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    questions = models.JSONField(_("questions"), default=default_questions)
    anonymous_only = models.BooleanField(_("anonymous answers only"), default=False)
    opened_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+",
                                  verbose_name=pgettext_lazy("survey run", "closed by"))
    closed_at = models.DateTimeField(pgettext_lazy("survey run", "closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("survey run")
        verbose_name_plural = _("survey runs")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "period"], name="survey_run_period_once"),
            models.UniqueConstraint(fields=["community"], condition=Q(status="open"),
                                    name="survey_one_open_run"),
        ]

    def __str__(self) -> str:
        return self.period


class Response(models.Model):
    """One resident's answers to a run. `user` only when they answered by name; `grid` (their
    home's grid) unless the run is anonymous-only; the day, never the time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(SurveyRun, on_delete=models.CASCADE, related_name="responses",
                            verbose_name=_("survey run"))
    day = models.DateField(_("day"))
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("answered by"))
    grid = models.ForeignKey("grid.Grid", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("grid"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["run", "user"], condition=Q(user__isnull=False),
                                    name="survey_named_response_once"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Answer(models.Model):
    """The answer to one question: a score from 1 to 5, or a text (the suggestion)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("survey response"))
    question = models.CharField(pgettext_lazy("survey", "question"), max_length=30)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.CharField(_("text"), max_length=TEXT_LIMIT, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["question", "score"])]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"],
                                    name="survey_answer_question_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="survey_answer_score_range"),
        ]

    def __str__(self) -> str:
        return self.question


class Participation(models.Model):
    """That a user has answered a run: nothing else (no answer, no time, a random id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(SurveyRun, on_delete=models.CASCADE, related_name="+",
                            verbose_name=_("survey run"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))

    class Meta:
        verbose_name = _("survey participation")
        verbose_name_plural = _("survey participations")
        constraints = [
            models.UniqueConstraint(fields=["run", "user"], name="survey_answer_once_per_run"),
        ]

    def __str__(self) -> str:
        return str(self.id)
