"""Builders for the youth tests: a term, courses with sessions, a resident parent and children."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from xingfuli.core import scheduling
from xingfuli.core.models import Role, User
from xingfuli.core.testing import World, grant, make_resident, make_user
from xingfuli.registry.models import Resident
from xingfuli.youth import services
from xingfuli.youth.models import Child, Course, Term

SH = scheduling.SHANGHAI


@dataclass
class Youth:
    term: Term
    coding: Course  # taught by yuki, 10 places, weekly sessions to come
    art: Course  # taught by another teacher (tess), 1 place
    care: Course  # holiday care, taught by yuki
    tess: User  # another youth teacher
    pat: User  # a resident parent of household h2
    kid: Child  # pat's child (in the registry), 9 years old
    kid2: Child  # another child of h2, 10 years old


def build_youth(w: World) -> Youth:
    today = timezone.localdate()
    term = services.term_create(
        actor=w.carol, community_id=w.community.pk, name="测试学期", kind=Term.Kind.AUTUMN,
        starts_on=today - dt.timedelta(days=60), ends_on=today + dt.timedelta(days=90),
    )
    tess = grant(make_user("谭老师"), Role.YOUTH_TEACHER, community=w.community)
    coding = services.course_create(
        actor=w.carol, term_id=term.pk, name="少儿编程入门", kind=Course.Kind.PROGRAMMING,
        capacity=10, min_age=8, max_age=12, place="四楼电脑室", teacher_ids=[w.yuki.pk],
    )
    art = services.course_create(
        actor=w.carol, term_id=term.pk, name="美术", kind=Course.Kind.ART, capacity=1,
        min_age=6, max_age=12, teacher_ids=[tess.pk],
    )
    care = services.course_create(
        actor=w.carol, term_id=term.pk, name="寒假托管", kind=Course.Kind.HOLIDAY_CARE,
        capacity=30, min_age=6, max_age=12, teacher_ids=[w.yuki.pk],
        opens_at=dt.time(8, 30), closes_at=dt.time(17, 30),
    )
    for course in (coding, art):
        services.course_sessions_add(
            actor=w.carol, course_id=course.pk, first_day=today + dt.timedelta(days=1),
            until=today + dt.timedelta(days=29), start_time=dt.time(15, 0), minutes=90,
        )
    pat = make_user("潘家长")
    parent = make_resident(w.h2, "潘家长", birth=dt.date(1988, 4, 2), male=False,
                           relation=Resident.Relation.SPOUSE)
    parent.user = pat
    parent.save(update_fields=["user"])
    grant(pat, Role.RESIDENT, community=w.community, scope_id=w.h2.pk)
    born = today.replace(year=today.year - 9) - dt.timedelta(days=30)
    kid_r = make_resident(w.h2, "潘小明", birth=born, relation=Resident.Relation.CHILD)
    kid = services.child_register(actor=pat, resident_id=kid_r.pk, guardian_relation="mother")
    kid2 = services.child_register(
        actor=pat, name="潘小红", sex="F", birth_date=born - dt.timedelta(days=365),
        guardian_relation="mother",
    )
    return Youth(term=term, coding=coding, art=art, care=care, tess=tess, pat=pat, kid=kid,
                 kid2=kid2)


def care_day(y: Youth, actor: User, day: dt.date) -> scheduling.Session:
    """One day of holiday care for `y.care`, opening to closing time on `day`."""
    series = scheduling.series_for_owner(y.care)
    assert series is not None
    assert y.care.opens_at is not None and y.care.closes_at is not None
    return scheduling.session_add(
        actor=actor, series_id=series.pk,
        starts_at=dt.datetime.combine(day, y.care.opens_at, SH),
        ends_at=dt.datetime.combine(day, y.care.closes_at, SH), capacity=30,
    )
