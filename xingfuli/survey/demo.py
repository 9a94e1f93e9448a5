"""The demo's 幸福指数: last quarter's run of 万泉街 (closed) and this quarter's (open), with a
few hundred answers from its residents, anonymous, each with the grid of the resident's home.

The answers stand for residents without a login (most of the demo's): they carry no
participation row, which only a login needs. The demo's resident logins have not answered the
open run, so they can try it. Rows are bulk-created (the service would do the same one at a
time); each question's scores are drawn around its own mean, a little higher this quarter."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.utils import timezone

from xingfuli.core.models import User
from xingfuli.demo.base import STAFF_MOBILE, DemoWorld, demo_part
from xingfuli.survey.models import Answer, Response, SurveyRun
from xingfuli.survey.questions import DEFAULT_CODES, INDEX_QUESTION
from xingfuli.survey.services import current_period

# Mean score per question last quarter; this quarter adds IMPROVEMENT.
MEANS = {INDEX_QUESTION: 3.9, "grid": 4.3, "property": 3.6, "canteen": 4.1, "activities": 4.2,
         "housing": 3.3, "safety": 4.3}
IMPROVEMENT = 0.2
ANSWERS_LAST, ANSWERS_NOW = 320, 260
SUGGESTIONS = ("希望多装几部电梯", "楼道灯能不能换成感应灯", "食堂希望增加软烂的菜",
               "网格员很负责，谢谢", "小区停车太乱", "希望多办些文艺活动", "垃圾分类点气味大",
               "希望社区多组织健康讲座", "老年大学能否多开几个班", "物业维修再快一点就好了")


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _score(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.9))))


def _answers(world: DemoWorld, rng: random.Random, run: SurveyRun, n: int, first: dt.date,
             last: dt.date, lift: float) -> tuple[list[Response], list[Answer]]:
    homes = [h for h in world.households if h.community_id == world.community.pk and h.members]
    chosen = rng.sample(homes, min(n, len(homes)))
    span = max((last - first).days, 0)
    responses: list[Response] = []
    answers: list[Answer] = []
    for home in chosen:
        response = Response(run=run, grid_id=home.grid_id,
                            day=first + dt.timedelta(days=rng.randint(0, span)))
        responses.append(response)
        mood = rng.gauss(0, 0.4)  # a resident's general mood moves all their answers
        answers += [Answer(response=response, question=code,
                           score=_score(rng, MEANS[code] + lift + mood)) for code in MEANS]
        if rng.random() < 0.12:
            answers.append(Answer(response=response, question="suggestion",
                                  text=rng.choice(SUGGESTIONS)))
    return responses, answers


def build_survey(world: DemoWorld) -> None:
    rng = world.rng("survey")
    today = world.today
    this_start = quarter_start(today)
    last_end = this_start - dt.timedelta(days=1)
    last_start = quarter_start(last_end)
    tz = timezone.get_current_timezone()
    staff = User.objects.filter(mobile=STAFF_MOBILE).first()

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(9), tz)

    last = SurveyRun.objects.create(
        community=world.community, period=current_period(last_start),
        status=SurveyRun.Status.CLOSED, questions=list(DEFAULT_CODES), opened_by=staff,
        opened_at=at(last_start), closed_by=staff, closed_at=at(last_end))
    now = SurveyRun.objects.create(
        community=world.community, period=current_period(today), questions=list(DEFAULT_CODES),
        opened_by=staff, opened_at=min(at(this_start), world.now))
    responses, answers = _answers(world, rng, last, ANSWERS_LAST, last_start, last_end, 0.0)
    more, more_answers = _answers(world, rng, now, ANSWERS_NOW, this_start, today, IMPROVEMENT)
    Response.objects.bulk_create(responses + more)
    Answer.objects.bulk_create(answers + more_answers)
    world.counts["survey_runs"] = 2
    world.counts["survey_responses"] = len(responses) + len(more)


def reset_survey(community_ids: Sequence[int]) -> None:
    SurveyRun.objects.filter(community_id__in=community_ids).delete()


demo_part("survey", order=900, reset=reset_survey)(build_survey)
