"""The demo's micro youth palace (一宫): this year's terms and holidays, the five courses of the
article (手工坊, 少儿编程, 爱国主义教育, 美术, 阅读分享) in three age groups each school term,
weekend training, winter and summer holiday care, the children (registry children of 万泉街 and
children of families living elsewhere), their guardians and consents, and a year of sessions
and attendance on the shared scheduling mechanism: 1000+ sessions held and 20000+
participant-times, all bulk-inserted (no per-row services).

Logins: a youth teacher (13800000091) and a resident parent (13800000092) whose child is
enrolled in the coding course; the autumn 美术 group of the youngest is full with a waiting list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from xingfuli.core import crypto
from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.core.scheduling_models import Booking, Session, SessionSeries
from xingfuli.demo import people
from xingfuli.demo.base import REFERENCE_DATE, DemoWorld, demo_part
from xingfuli.registry.models import Resident
from xingfuli.registry.personal import mask_mobile
from xingfuli.volunteers.demo import year_before
from xingfuli.youth.models import CareAlert, Child, Consent, Course, Guardian, Pickup, Term
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND

TEACHER_MOBILE = "13800000091"
GUARDIAN_MOBILE = "13800000092"
SH = dt.timezone(dt.timedelta(hours=8))
K = Course.Kind
CS = Booking.Status

CLASSES = (  # the article's five courses
    (K.HANDICRAFT, "手工坊"), (K.PROGRAMMING, "少儿编程入门"), (K.PATRIOTIC, "爱国主义教育"),
    (K.ART, "美术"), (K.READING, "阅读分享"),
)
GROUPS = (("低年级组", 6, 8), ("中年级组", 8, 10), ("高年级组", 10, 13))
WEEKEND = ("书法", "舞蹈", "围棋", "科学实验", "合唱", "篮球")
PLACES = ("微少年宫一楼活动室", "微少年宫二楼教室", "四楼电脑室", "社区阅览室")


@dataclass
class _Plan:
    course: Course
    slots: list[tuple[dt.datetime, dt.datetime]]
    enrolled: int  # children enrolled
    full_waiting: int = 0  # extra children waiting (a full course)


def _weekly(first: dt.date, until: dt.date, weekdays: Sequence[int], start: dt.time,
            minutes: int, skip: set[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    out = []
    day = first
    while day <= until:
        if day.weekday() in weekdays and day not in skip:
            s = dt.datetime.combine(day, start, SH).astimezone(dt.UTC)
            out.append((s, s + dt.timedelta(minutes=minutes)))
        day += dt.timedelta(days=1)
    return out


def _insert_fast(model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT many rows with one executemany: bulk_create's per-field preparation of ~35,000
    sign-ups took seconds; here each value is adapted once by the backend's own operations.
    Every concrete field is written (missing ones with their default), so the statement
    follows the model."""
    from django.db import connection, models

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ops = connection.ops
    adapters: list[Any] = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        else:
            adapters.append(None)
    names = [f.attname for f in fields]
    defaults = [f.get_default() for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from _meta
    values = []
    for row in rows:
        out = []
        for name, default, adapt in zip(names, defaults, adapters, strict=True):
            v = row.get(name, default)
            out.append(adapt(v) if adapt is not None and v is not None else v)
        values.append(out)
    with connection.cursor() as cursor:
        for i in range(0, len(values), 5000):
            cursor.executemany(sql, values[i:i + 5000])


def _holidays(year: int) -> set[dt.date]:
    """Statutory holidays of the year (the working calendar's rows where entered)."""
    from xingfuli.core.models import CalendarDay

    return set(CalendarDay.objects.filter(
        date__year__in=[year, year + 1], kind=CalendarDay.Kind.HOLIDAY
    ).values_list("date", flat=True))


def build_youth(world: DemoWorld) -> None:
    rng = world.rng("youth")
    community = world.community
    year = world.today.year
    today = world.today

    # --- teachers: youth palace teachers of the community ------------------------------------
    def person(mobile: str | None, age: int) -> User:
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=age, reference=REFERENCE_DATE)
        if mobile is None:
            mobile = world.next_staff_mobile()
        else:
            world.mobiles.add(mobile)
        return User(mobile=mobile, name=people.person_name(rng, sex=sex, birth=birth),
                    password=world.password_hash, date_joined=world.now)

    teachers = [person(TEACHER_MOBILE, 34)] + [person(None, rng.randint(24, 60))
                                               for _ in range(5)]
    User.objects.bulk_create(teachers)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=t, role=Role.YOUTH_TEACHER, community=community,
                       created_at=world.now) for t in teachers
    )

    # --- terms: those of the last 12 months and the one about to start -------------------------
    # The demo holds a year of the palace's work whatever the day it is built: the terms of last
    # year and this one, sessions from a year ago (`first`) up to eight weeks ahead (`last`).
    first = year_before(world.now).date() + dt.timedelta(days=1)
    last = today + dt.timedelta(weeks=8)
    all_terms: list[tuple[str, Term]] = []
    for y in (year - 1, year):
        all_terms += [
            ("winter", Term(community=community, name=f"{y}年寒假",
                            kind=Term.Kind.WINTER_HOLIDAY, starts_on=dt.date(y, 1, 24),
                            ends_on=dt.date(y, 2, 28))),
            ("spring", Term(community=community, name=f"{y}年春季学期", kind=Term.Kind.SPRING,
                            starts_on=dt.date(y, 3, 2), ends_on=dt.date(y, 7, 3))),
            ("summer", Term(community=community, name=f"{y}年暑假",
                            kind=Term.Kind.SUMMER_HOLIDAY, starts_on=dt.date(y, 7, 6),
                            ends_on=dt.date(y, 8, 30))),
            ("autumn", Term(community=community, name=f"{y}年秋季学期", kind=Term.Kind.AUTUMN,
                            starts_on=dt.date(y, 9, 1), ends_on=dt.date(y + 1, 1, 22))),
        ]
    all_terms = [(k, t) for k, t in all_terms if t.ends_on >= first and t.starts_on <= last]
    Term.objects.bulk_create(t for _k, t in all_terms)
    # The school term now (or the last one): its youngest 美术 group is full with a waiting list
    # and the parent login's child is in its coding course.
    current = max((t for k, t in all_terms if k in ("spring", "autumn") and t.starts_on <= today),
                  key=lambda t: t.starts_on)
    skip = _holidays(year - 1) | _holidays(year)

    def weekly(term: Term, weekdays: Sequence[int], start: dt.time,
               minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
        return _weekly(max(term.starts_on, first), min(term.ends_on, last), weekdays, start,
                       minutes, skip)

    # --- courses and their timetables ----------------------------------------------------------
    plans: list[_Plan] = []
    course_teachers: list[tuple[Course, User]] = []

    def course(term: Term, name: str, kind: str, lo: int, hi: int, capacity: int,
               slots: list[tuple[dt.datetime, dt.datetime]], teacher: User, place: str,
               enrolled: int, waiting: int = 0, opens: dt.time | None = None,
               closes: dt.time | None = None) -> None:
        c = Course(community=community, term=term, name=name, kind=kind, min_age=lo,
                   max_age=hi, capacity=capacity, place=place, opens_at=opens,
                   closes_at=closes, created_at=world.now)
        plans.append(_Plan(c, slots, enrolled, waiting))
        course_teachers.append((c, teacher))

    for key, term in all_terms:
        if key in ("spring", "autumn"):
            for ci, (kind, label) in enumerate(CLASSES):
                for gi, (group, lo, hi) in enumerate(GROUPS):
                    days = [(ci + gi) % 5, (ci + gi + 2) % 5]  # twice a week
                    slots = weekly(term, days, dt.time(16, 30), 90)
                    full = term is current and kind == K.ART and gi == 0
                    teacher = (teachers[0] if kind == K.PROGRAMMING
                               else teachers[1 + (ci + gi) % 5])
                    course(term, f"{label}（{group}）", kind, lo, hi, 24, slots, teacher,
                           PLACES[2] if kind == K.PROGRAMMING else PLACES[ci % 2],
                           enrolled=24 if full else rng.randint(18, 23),
                           waiting=3 if full else 0)
            for wi, label in enumerate(WEEKEND):
                slots = weekly(term, [5 + wi % 2], dt.time(9, 30), 120)
                course(term, f"周末{label}培训", K.WEEKEND, 6, 13, 25, slots,
                       teachers[1 + wi % 5], PLACES[wi % 2], enrolled=rng.randint(19, 24))
            continue
        summer = key == "summer"
        holiday_classes = CLASSES if summer else CLASSES[3:] + CLASSES[:1]
        for ci, (kind, label) in enumerate(holiday_classes):
            slots = weekly(term, [0, 2, 4] if summer else [1, 3], dt.time(9, 30), 90)
            teacher = (teachers[0] if summer and kind == K.PROGRAMMING
                       else teachers[1 + ci % 5])
            course(term, f"{'暑期' if summer else '寒假'}{label}", kind, 6, 13, 25, slots,
                   teacher, PLACES[ci % 2], enrolled=rng.randint(19 if summer else 18, 24))
        label = "暑假" if summer else "寒假"
        for gi, (group, lo, hi) in enumerate((("低龄班", 6, 9), ("高龄班", 9, 13))):
            slots = weekly(term, [0, 1, 2, 3, 4], dt.time(8, 30), 540)
            course(term, f"{label}托管（{group}）", K.HOLIDAY_CARE, lo, hi, 40, slots,
                   teachers[0] if gi == 0 else teachers[3], PLACES[gi],
                   enrolled=rng.randint(32, 38), opens=dt.time(8, 30),
                   closes=dt.time(17, 30))
    Course.objects.bulk_create(p.course for p in plans)
    Course.teachers.through.objects.bulk_create(
        Course.teachers.through(course_id=c.pk, user_id=t.pk) for c, t in course_teachers
    )
    series = SessionSeries.objects.bulk_create(
        SessionSeries(community=community, module="youth", owner_kind=COURSE_KIND,
                      owner_id=p.course.pk, title=p.course.name,
                      link=f"/youth/courses/{p.course.pk}/", created_at=world.now)
        for p in plans
    )
    session_rows: list[tuple[_Plan, Session]] = []
    for p, ser in zip(plans, series, strict=True):
        for start, end in p.slots:
            session_rows.append((p, Session(
                series=ser, community=community, starts_at=start, ends_at=end,
                place=p.course.place, capacity=p.course.capacity, created_at=world.now,
                reminded_at=start - dt.timedelta(days=1) if start < world.now else None,
            )))
    Session.objects.bulk_create((s for _p, s in session_rows), batch_size=2000)

    # --- children ----------------------------------------------------------------------------
    kids_r = list(
        Resident.objects.filter(
            household__dwelling__unit__building__community=community,
            status=Resident.Status.ACTIVE,
            birth_date__gt=dt.date(year - 14, 1, 1), birth_date__lte=dt.date(year - 6, 12, 31),
        ).order_by("pk").values("pk", "name", "sex", "birth_date", "household_id")
    )
    children: list[Child] = [
        Child(community=community, resident_id=r["pk"], household_id=r["household_id"],
              name=r["name"], sex=r["sex"], birth_date=r["birth_date"], created_at=world.now)
        for r in kids_r
    ]
    while len(children) < 420:  # children of families living nearby, registered at the desk
        sex = rng.choice("MF")
        birth = dt.date(year - rng.randint(6, 13), rng.randint(1, 12), rng.randint(1, 28))
        children.append(Child(community=community, name=people.person_name(
            rng, sex=sex, birth=birth), sex=sex, birth_date=birth, created_at=world.now,
            school=rng.choice(("莲花小学", "万泉小学", "巴南区实验小学"))))
    Child.objects.bulk_create(children)

    # The resident parent login: a parent of a registry child aged 8–9 in 万泉街.
    parent_child = next(
        (c for c in children if c.household_id and 8 <= c.age_on(today) <= 9), None
    )
    parent_resident = None
    if parent_child is not None:
        parent_resident = Resident.objects.filter(
            household_id=parent_child.household_id or 0, status=Resident.Status.ACTIVE,
            birth_date__lte=dt.date(year - 24, 1, 1), birth_date__gt=dt.date(year - 56, 1, 1),
        ).exclude(Q(user__isnull=False)).order_by("pk").first()
    guardian_user = None
    if parent_resident is not None and parent_child is not None:
        guardian_user = User.objects.create(
            mobile=GUARDIAN_MOBILE, name=parent_resident.name, password=world.password_hash,
            date_joined=world.now)
        world.mobiles.add(GUARDIAN_MOBILE)
        parent_resident.user = guardian_user
        parent_resident.save(update_fields=["user"])
        RoleAssignment.objects.create(user=guardian_user, role=Role.RESIDENT,
                                      community=community,
                                      scope_id=parent_child.household_id,
                                      created_at=world.now)

    guardians: list[Guardian] = []
    first_guardian: dict[int, Guardian] = {}
    for c in children:
        own = guardian_user is not None and c.household_id == parent_child.household_id \
            if parent_child else False
        relation = rng.choice((Guardian.Relation.MOTHER, Guardian.Relation.FATHER))
        number = people.mobile(rng)
        g = Guardian(
            child=c, name=guardian_user.name if own and guardian_user else people.person_name(
                rng, sex="F" if relation == Guardian.Relation.MOTHER else "M",
                birth=dt.date(year - 36, 5, 1), family=c.name[0]),
            relation=relation, is_legal_guardian=True, may_pick_up=True,
            user=guardian_user if own else None, authorised_at=world.now,
            mobile_encrypted=crypto.encrypt(number), mobile_masked=mask_mobile(number),
            created_at=world.now,
        )
        guardians.append(g)
        first_guardian[id(c)] = g
        if rng.random() < 0.5:  # a grandparent allowed to pick up
            guardians.append(Guardian(
                child=c, name=people.person_name(rng, sex="F", birth=dt.date(year - 66, 3, 1)),
                relation=Guardian.Relation.GRANDPARENT, may_pick_up=True,
                authorised_at=world.now, created_at=world.now))
    Guardian.objects.bulk_create(guardians)

    # --- enrolments, consents and attendance -------------------------------------------------
    by_course: dict[int, list[Session]] = {}
    for p, row in session_rows:
        by_course.setdefault(p.course.pk, []).append(row)
    bookings: list[dict[str, Any]] = []
    consents: list[Consent] = []
    pickups: list[Pickup] = []
    staff_id = world.community_staff[community.pk][0]
    for p in plans:
        crs = p.course
        start_day = crs.term.starts_on
        pool = [k for k in children if crs.min_age <= k.age_on(start_day) <= crs.max_age]
        rng.shuffle(pool)
        chosen = pool[:p.enrolled + p.full_waiting]
        if (parent_child is not None and crs.kind == K.PROGRAMMING
                and crs.term is current
                and crs.min_age <= parent_child.age_on(start_day) <= crs.max_age
                and parent_child not in chosen):
            chosen = [parent_child, *chosen[:-1]]
        enrolled_at = dt.datetime.combine(start_day - dt.timedelta(days=7), dt.time(10), SH)
        for n, kid in enumerate(chosen):
            g = first_guardian[id(kid)]
            consents.append(Consent(
                child=kid, guardian=g, course=crs, text_version="2026-1",
                purpose=f"同意社区微少年宫为“{crs.name}”（{crs.term.name}）处理孩子的姓名、性别、"
                        "出生日期、学校、给老师的提示、签到和接送记录，仅课程老师和社区工作人员可见。",
                method=Consent.Method.ONLINE if g.user_id else Consent.Method.PAPER,
                given_at=enrolled_at, recorded_by_id=g.user_id or staff_id,
            ))
            waiting = n >= p.enrolled
            for sess in by_course.get(crs.pk, []):
                past = sess.starts_at < world.now
                if waiting and past:
                    continue  # they joined the waiting list lately
                came = past and not waiting and rng.random() < 0.9
                out_at = (sess.ends_at - dt.timedelta(minutes=rng.randint(0, 20))
                          if came else None)
                bookings.append({
                    "session_id": sess.pk, "community_id": community.pk,
                    "attendee_kind": CHILD_KIND, "attendee_id": kid.pk,
                    "attendee_name": kid.name, "contact_id": g.user_id,
                    "booked_by_id": g.user_id or staff_id,
                    "status": CS.WAITLISTED if waiting else CS.CONFIRMED,
                    "created_at": enrolled_at + dt.timedelta(minutes=n),
                    "confirmed_at": None if waiting else enrolled_at,
                    "checked_in_at": (sess.starts_at
                                      + dt.timedelta(minutes=rng.randint(-10, 10))
                                      if came else None),
                    "check_in_method": Booking.Method.STAFF if came else "",
                    "checked_out_at": out_at, "version": 1,
                    "_held": came and sess.starts_at.year == year,
                    "_held_12": came and sess.starts_at.date() >= first,
                })
                if came and crs.kind == K.HOLIDAY_CARE and sess.starts_at.date() >= (
                        crs.term.ends_on - dt.timedelta(days=6)) and out_at is not None:
                    pickups.append(Pickup(child=kid, course=crs, day=sess.starts_at.date(),
                                          outcome=Pickup.Outcome.ALLOWED, guardian=g,
                                          person_name=g.name, at=out_at))
    Consent.objects.bulk_create(consents, batch_size=2000)
    _insert_fast(Booking, bookings)
    Pickup.objects.bulk_create(pickups)
    # A refused pick-up on 12 August of the last summer holiday.
    refused_on = max(dt.date(t.starts_on.year, 8, 12) for k, t in all_terms
                     if k == "summer" and dt.date(t.starts_on.year, 8, 12) < today)
    care = next(p.course for p in plans if p.course.kind == K.HOLIDAY_CARE
                and p.course.term.starts_on.year == refused_on.year
                and p.course.term.kind == Term.Kind.SUMMER_HOLIDAY)
    stranger_kid = children[-1]
    Pickup.objects.bulk_create([
        Pickup(child=stranger_kid, course=care, day=refused_on,
               outcome=Pickup.Outcome.REFUSED, person_name="自称邻居的男子",
               note="不在家长授权名单上，已电话联系家长，孩子由母亲接走。",
               at=dt.datetime(refused_on.year, 8, 12, 17, 5, tzinfo=SH)),
    ])

    held = [s for _p, s in session_rows if s.starts_at <= world.now
            and s.starts_at.year == year]
    world.counts["youth_courses"] = len(plans)
    world.counts["youth_children"] = len(children)
    world.counts["youth_activities"] = len(held)
    world.counts["youth_participations"] = sum(1 for b in bookings if b["_held"])
    # The article's 1000+ activities and 20000+ participant-times: the last 12 months.
    world.counts["youth_activities_12_months"] = sum(
        1 for _p, s in session_rows if first <= s.starts_at.date() and s.starts_at <= world.now)
    world.counts["youth_participations_12_months"] = sum(1 for b in bookings if b["_held_12"])


def reset_youth(community_ids: Sequence[int]) -> None:
    series = SessionSeries.objects.filter(community_id__in=community_ids, module="youth")
    CareAlert.objects.filter(course__community_id__in=community_ids).delete()
    Booking.objects.filter(session__series__in=series).delete()
    Session.objects.filter(series__in=series).delete()
    series.delete()
    Pickup.objects.filter(course__community_id__in=community_ids).delete()
    Consent.objects.filter(child__community_id__in=community_ids).delete()
    Guardian.objects.filter(child__community_id__in=community_ids).delete()
    Child.objects.filter(community_id__in=community_ids).delete()
    Course.teachers.through.objects.filter(course__community_id__in=community_ids).delete()
    Course.objects.filter(community_id__in=community_ids).delete()
    Term.objects.filter(community_id__in=community_ids).delete()


demo_part("youth", order=170, reset=reset_youth)(build_youth)
