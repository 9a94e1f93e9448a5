"""The survey's section of the community summary: the 幸福指数 and its response count."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from xingfuli.dashboard.selectors import SummaryContext, summary_section
from xingfuli.survey.selectors import headline


class SurveySummaryOut(Schema):
    happiness_index: float | None = Field(
        description="The 幸福指数 of the community's latest closed survey run (the run open now "
                    "while none is closed): the mean answer to 'overall, how happy are you' on "
                    "1–5, scaled to 0–100 (1 → 0, 3 → 50, 5 → 100), one decimal; null without "
                    "a run or answers.")
    survey_responses: int = Field(
        description="Residents who answered that run (anonymous and named); 0 without a run.")


@summary_section("survey", schema=SurveySummaryOut)
def survey_section(ctx: SummaryContext) -> dict[str, Any]:
    """One query."""
    found = headline(ctx.community.pk)
    return {"happiness_index": found["index"], "survey_responses": found["responses"]}
