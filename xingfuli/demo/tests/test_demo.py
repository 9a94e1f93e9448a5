"""The demo reproduces the article from real records, deterministically, and resets cleanly."""

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.utils import timezone

from xingfuli.core import crypto
from xingfuli.core.models import (
    GRID_ROLES,
    CalendarDay,
    Community,
    Role,
    RoleAssignment,
    User,
)
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import DEMO_LOGINS, DEMO_PASSWORD, fingerprint, reset
from xingfuli.demo.base import DEMO_MOBILE_PREFIX, REFERENCE_DATE
from xingfuli.demo.people import REAL_NAMES
from xingfuli.grid.models import DutyShift, Grid, Opinion, Visit
from xingfuli.grid.selectors import overdue_key_households
from xingfuli.registry.models import Building, Dwelling, Owner, Resident, Unit
from xingfuli.registry.personal import MOBILE_RE, parse_id_number

pytestmark = pytest.mark.django_db


def _age(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def assert_demo_reproduces_the_article_and_the_summary_counts_it():
    today = timezone.localdate()
    wanquan = Community.objects.get(slug="wanquan")
    summary = community_summary(wanquan)

    # --- places: 8 grids, 35 walk-ups of 7–8 floors from 1990–1993 ---------------------
    grids = list(Grid.objects.filter(community=wanquan).order_by("sequence"))
    assert len(grids) == summary["grids"] == 8
    assert all(g.code == f"{wanquan.code}{g.sequence:03d}" and len(g.code) == 15 for g in grids)
    buildings = list(Building.objects.filter(community=wanquan).select_related("grid_link"))
    assert len(buildings) == summary["buildings"] == 35
    assert {b.grid_link.grid_id for b in buildings} == {g.pk for g in grids}
    assert {b.floors for b in buildings} == {7, 8}
    assert {b.unit_count for b in buildings} == {2, 3}
    assert {b.year_built for b in buildings} <= {1990, 1991, 1992, 1993}
    units = list(Unit.objects.filter(building__community=wanquan))
    assert len(units) == sum(b.unit_count for b in buildings) == summary["units"]
    dwellings = list(Dwelling.objects.filter(unit__building__community=wanquan)
                     .select_related("unit__building"))
    assert len(dwellings) == sum(b.floors * b.unit_count * 2 for b in buildings)
    assert len(dwellings) == summary["dwellings"]
    assert all(d.area is not None and Decimal(48) <= d.area < Decimal(92) for d in dwellings)
    assert all(1 <= d.floor <= d.unit.building.floors for d in dwellings)

    # --- people: counted from the rows, not from the demo's own bookkeeping --------------
    residents = list(
        Resident.objects.filter(household__dwelling__unit__building__community=wanquan)
        .prefetch_related("tags")
    )
    living = [r for r in residents if r.status == Resident.Status.ACTIVE]
    elderly = [r for r in living if _age(r.birth_date, today) >= 60]
    assert 2000 <= len(living) == summary["residents"]
    assert len(elderly) == summary["elderly_residents"]
    assert summary["elderly_share"] == round(len(elderly) / len(living), 4)
    assert summary["elderly_share"] > 0.30  # "老年人占社区人口的30%以上"
    assert summary["households"] == len({r.household_id for r in living})
    assert summary["households"] < len(dwellings)  # some homes stand empty
    key_households = {
        r.household_id for r in living if any(t.is_key_group for t in r.tags.all())
    }
    assert summary["key_group_households"] == len(key_households)
    tags = Counter(t.code for r in living for t in r.tags.all())
    for code in ("living_alone", "empty_nest", "aged_80", "dependent", "disability", "dibao",
                 "tekun", "party_member", "veteran", "dajiang"):
        assert tags[code] > 0, code
    # 80+ is derived from the age today, both ways round.
    assert all(("aged_80" in {t.code for t in r.tags.all()}) == (_age(r.birth_date, today) >= 80)
               for r in living)

    # Every ID number is valid and agrees with the stored birth date and sex.
    for r in residents:
        parsed = parse_id_number(crypto.decrypt(r.id_number_encrypted))
        assert parsed.number.startswith("500113")
        assert (parsed.birth_date, parsed.sex) == (r.birth_date, r.sex)
        assert r.birth_date <= REFERENCE_DATE
        assert r.id_number_digest == crypto.digest(parsed.number)
        mobile = crypto.decrypt(r.mobile_encrypted)
        assert mobile == "" or MOBILE_RE.match(mobile)
        assert r.name not in REAL_NAMES and r.name_pinyin
    assert len({r.id_number_digest for r in living}) == len(living)
    assert Owner.objects.filter(community=wanquan, is_developer=True).count() == 1
    assert Owner.objects.filter(community=wanquan).count() >= summary["households"] * 0.9

    # --- the 148 grid staff, and every demo login ---------------------------------------
    staff = RoleAssignment.objects.filter(community=wanquan, role__in=GRID_ROLES)
    assert len(set(staff.values_list("user_id", flat=True))) == summary["grid_staff"] == 148
    by_role = Counter(staff.values_list("role", flat=True))
    assert dict(by_role) == summary["grid_staff_by_role"]
    assert by_role[Role.GRID_LEADER] == 8
    assert all(User.objects.filter(
        roles__role=Role.GRID_LEADER, roles__community=wanquan
    ).values_list("is_party_member", flat=True))
    for login in DEMO_LOGINS:
        user = User.objects.get(mobile=login.mobile)
        if login.role is not None:
            assert user.roles.filter(role=login.role).exists(), login
        else:
            assert not user.roles.exists() and login.title, login
    resident_user = User.objects.get(mobile=DEMO_LOGINS[8].mobile)
    assert resident_user.resident.household.dwelling.unit.building.grid_link.grid == grids[0]
    assert crypto.decrypt(resident_user.resident.mobile_encrypted) == resident_user.mobile
    assert resident_user.roles.get().scope_id == resident_user.resident.household_id
    # One hash shared by every demo user: check it once (argon2 is slow on purpose).
    hashes = set(User.objects.filter(mobile__startswith=DEMO_MOBILE_PREFIX)
                 .values_list("password", flat=True))
    assert len(hashes) == 1 and check_password(DEMO_PASSWORD, hashes.pop())

    # --- visits, opinions, the overdue list, the roster -----------------------------------
    visits = list(Visit.objects.filter(dwelling__unit__building__community=wanquan))
    start = dt.datetime.combine(today.replace(month=1, day=1), dt.time.min,
                                timezone.get_current_timezone())
    assert summary["visits_year"] == sum(v.visited_at >= start for v in visits) > 1000
    assert all(v.visited_at < timezone.now() for v in visits)
    assert summary["opinions_year"] == Opinion.objects.filter(
        visit__in=[v for v in visits if v.visited_at >= start]
    ).count() > 0
    cutoff = dt.datetime.combine(today - dt.timedelta(days=wanquan.visit_interval_days),
                                 dt.time.min, timezone.get_current_timezone())
    seen = {v.household_id for v in visits if not v.nobody_home and v.visited_at >= cutoff}
    overdue = key_households - seen
    assert summary["key_group_households_overdue"] == len(overdue) > 0
    # …and the grid module's list of households to revisit agrees.
    admin = User.objects.get(mobile=DEMO_LOGINS[0].mobile)
    assert overdue_key_households(actor=admin).count() == len(overdue)
    assert len(overdue) < len(key_households) / 2
    staff_ids = set(staff.values_list("user_id", flat=True))
    assert {v.visitor_id for v in visits} <= staff_ids
    days = set(DutyShift.objects.filter(community=wanquan).values_list("date", flat=True))
    first, last = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    assert len(days) == (last - first).days + 1  # 365 不打烊: weekends and holidays too
    holiday = CalendarDay.objects.filter(date__year=today.year, kind=CalendarDay.Kind.HOLIDAY).first()
    if holiday is not None:  # the year's arrangement is known: holiday shifts carry its name
        notes = set(DutyShift.objects.filter(community=wanquan, date=holiday.date)
                    .values_list("note", flat=True))
        assert notes == {holiday.name}

    # --- 一中心: 6 service teams, 25 of the 35 buildings renovated -----------------------
    from xingfuli.property.models import RenovationProject, ServiceTeam

    assert ServiceTeam.objects.filter(center__community=wanquan).count() == 6
    assert summary["service_teams"] == 6
    renovated = Building.objects.filter(
        renovation_projects__status=RenovationProject.Status.ACCEPTED,
        renovation_projects__community=wanquan,
    ).distinct().count()
    assert renovated == summary["renovated_buildings"] == 25
    assert {"清扫保洁队", "水电维修队"} <= set(
        ServiceTeam.objects.filter(center__community=wanquan).values_list("name", flat=True))

    # --- the small second community --------------------------------------------------------
    other = community_summary(Community.objects.get(slug="guihuawan"))
    assert (other["grids"], other["buildings"]) == (1, 2)
    assert 20 <= other["residents"] <= 99
    assert other["grid_staff"] == 5


def test_load_demo_reproduces_the_article_deterministically_and_resets_cleanly():
    # Two builds in one test: the demo is built twice, not three times (keeps the suite fast).
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert_demo_reproduces_the_article_and_the_summary_counts_it()
    text = out.getvalue()
    for login in DEMO_LOGINS:
        assert login.mobile in text
    assert DEMO_PASSWORD in text and "/dashboard/wanquan/" in text
    first = fingerprint()
    residents = Resident.objects.count()

    out = io.StringIO()
    call_command("load_demo", stdout=out)  # already there: nothing happens but the logins
    assert "already loaded" in out.getvalue() and "13800000001" in out.getvalue()
    assert Resident.objects.count() == residents

    # Someone else's data in the same street survives a reset.
    wanquan = Community.objects.get(slug="wanquan")
    kept = Community.objects.create(street=wanquan.street, name="别的社区", slug="elsewhere",
                                    code="500113001099")
    outsider = User.objects.create_user(mobile="13912345678", password="x-long-password",
                                        name="外人")
    RoleAssignment.objects.create(user=outsider, role=Role.COMMUNITY_STAFF, community=kept)

    call_command("load_demo", reset=True, stdout=io.StringIO())
    assert fingerprint() == first
    assert Resident.objects.count() == residents
    assert Community.objects.filter(slug="elsewhere").exists()
    assert User.objects.filter(mobile="13912345678").exists()

    assert reset() == 2
    assert not Community.objects.filter(slug__in=["wanquan", "guihuawan"]).exists()
    assert not Resident.objects.exists() and not Visit.objects.exists()
    assert not User.objects.filter(mobile__startswith=DEMO_MOBILE_PREFIX).exists()
    assert list(User.objects.values_list("mobile", flat=True)) == ["13912345678"]


def test_generated_people_are_valid_and_fictional():
    import random

    from xingfuli.demo import people

    rng = random.Random(7)
    ids = people.IdNumbers()
    numbers = set()
    for age in range(0, 100):
        for sex in "MF":
            birth = people.birth_date(rng, age=age, reference=REFERENCE_DATE)
            assert _age(birth, REFERENCE_DATE) == age
            number = ids.new(rng, birth=birth, sex=sex)
            parsed = parse_id_number(number)
            assert (parsed.birth_date, parsed.sex) == (birth, sex)
            numbers.add(number)
            name = people.person_name(rng, sex=sex, birth=birth)
            assert 2 <= len(name) <= 3 and name not in REAL_NAMES
            assert MOBILE_RE.match(people.mobile(rng))
    assert len(numbers) == 200
    # Even when the draw would produce a real person's name, another is drawn.
    class Rigged(random.Random):
        def __init__(self):
            super().__init__(1)
            self.queue = [0.1, "琴", 0.9, "芳", "兰"]  # 尹 + 琴 = 尹琴 (in the article), then 尹芳兰

        def random(self):
            return self.queue.pop(0) if self.queue and isinstance(self.queue[0], float) \
                else super().random()

        def choice(self, seq):
            return self.queue.pop(0) if self.queue and isinstance(self.queue[0], str) \
                else super().choice(seq)

    assert people.person_name(Rigged(), sex="F", birth=dt.date(1950, 1, 1), family="尹") == "尹芳兰"


def test_readme_lists_the_demo_logins():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    for login in DEMO_LOGINS:
        assert f"| {login.mobile} |" in section
    assert f"`{DEMO_PASSWORD}`" in section
