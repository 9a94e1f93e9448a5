"""The questions of the 幸福指数 survey, as data: a code, a translated label and a kind.

A run keeps the codes it asked (`SurveyRun.questions`), so a later survey may ask a different
set (add a question here, open a run with it) while the answers of earlier runs keep their
meaning. The index is the mean answer to `happiness`, scaled from 1–5 to 0–100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SCORE: Literal["score"] = "score"
TEXT: Literal["text"] = "text"
MIN_SCORE, MAX_SCORE = 1, 5
TEXT_LIMIT = 500
INDEX_QUESTION = "happiness"


@dataclass(frozen=True)
class Question:
    code: str
    kind: Literal["score", "text"]
    label: str | Promise  # the question as asked
    short: str | Promise  # for results and charts
    required: bool = True


# Short labels and answer words carry a context: other modules say "Canteen" or "open" too.
QUESTIONS: tuple[Question, ...] = (
    Question(INDEX_QUESTION, SCORE, _("Overall, how happy are you living in this community?"),
             pgettext_lazy("survey question", "Overall happiness")),
    Question("grid", SCORE, _("How satisfied are you with the service of your grid workers?"),
             pgettext_lazy("survey question", "Grid service")),
    Question("property", SCORE, _("How satisfied are you with the property services?"),
             pgettext_lazy("survey question", "Property services")),
    Question("canteen", SCORE, _("How satisfied are you with the elderly canteen?"),
             pgettext_lazy("survey question", "Canteen")),
    Question("activities", SCORE, _("How satisfied are you with the community activities?"),
             pgettext_lazy("survey question", "Activities")),
    Question("housing", SCORE,
             _("How satisfied are you with your building (elevator, repairs, housing)?"),
             pgettext_lazy("survey question", "Elevator and housing")),
    Question("safety", SCORE, _("How safe do you feel in the community?"),
             pgettext_lazy("survey question", "Safety")),
    Question("suggestion", TEXT, _("One suggestion for the community (optional)"),
             pgettext_lazy("survey question", "Suggestions"), required=False),
)
BY_CODE: dict[str, Question] = {q.code: q for q in QUESTIONS}
DEFAULT_CODES: tuple[str, ...] = tuple(q.code for q in QUESTIONS)

# The words of each answer, 1 to 5: how happy (the index question) or how satisfied.
HAPPY_SCALE: tuple[str | Promise, ...] = (
    pgettext_lazy("survey answer", "Very unhappy"), pgettext_lazy("survey answer", "Unhappy"),
    pgettext_lazy("survey answer", "So-so"), pgettext_lazy("survey answer", "Happy"),
    pgettext_lazy("survey answer", "Very happy"))
SATISFIED_SCALE: tuple[str | Promise, ...] = (
    pgettext_lazy("survey answer", "Very dissatisfied"),
    pgettext_lazy("survey answer", "Dissatisfied"), pgettext_lazy("survey answer", "So-so"),
    pgettext_lazy("survey answer", "Satisfied"), pgettext_lazy("survey answer", "Very satisfied"))


def scale_of(code: str) -> tuple[str | Promise, ...]:
    return HAPPY_SCALE if code == INDEX_QUESTION else SATISFIED_SCALE


def questions_of(codes: list[str] | tuple[str, ...]) -> list[Question]:
    """The run's questions in its order (codes no longer in the catalogue are skipped)."""
    return [BY_CODE[c] for c in codes if c in BY_CODE]


def index_of(mean: float | None) -> float | None:
    """The 幸福指数: a mean answer from 1 to 5 as 0 to 100 (1 → 0, 3 → 50, 5 → 100), one
    decimal; None without answers."""
    if mean is None:
        return None
    return round((float(mean) - MIN_SCORE) * 100 / (MAX_SCORE - MIN_SCORE), 1)
