import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from xingfuli.core.calendar import calendar_fill_from_package, day_info
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import AuditEntry, CalendarYear, Role, RoleAssignment
from xingfuli.core.testing import grant, make_building, make_resident, make_user
from xingfuli.grid import selectors, services
from xingfuli.grid.models import DutyShift, Grid, GridBuilding, Opinion, Visit
from xingfuli.grid.tests.factories import dwellings_of
from xingfuli.registry.models import Household

NOW = dt.datetime(2026, 10, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


# --- grids and staff ---------------------------------------------------------------------


def test_grid_create_defaults_code_and_refuses_duplicate_number(world):
    grid = services.grid_create(actor=world.carol, community=world.community, name="第三网格",
                                sequence=3)
    assert grid.code == "500113001001003"
    with pytest.raises(DomainError) as exc:
        services.grid_create(actor=world.carol, community=world.community, name="x", sequence=3)
    assert exc.value.field == "sequence" and exc.value.code == ErrorCode.DUPLICATE
    assert AuditEntry.objects.filter(action="grid.grid.created", target_id=str(grid.pk)).exists()


def test_grid_workers_cannot_create_grids_and_outsiders_do_not_see_the_community(world):
    with pytest.raises(Forbidden):
        services.grid_create(actor=world.gina, community=world.community, name="x", sequence=9)
    with pytest.raises(NotFound):
        services.grid_create(actor=world.oscar, community=world.community, name="x", sequence=9)


def test_grid_leader_must_be_a_party_member(world):
    plain = make_user("王群众")
    with pytest.raises(DomainError) as exc:
        services.grid_staff_assign(actor=world.carol, grid_id=world.grid2.pk, user_id=plain.pk,
                                   role=Role.GRID_LEADER)
    assert exc.value.code == ErrorCode.NOT_PARTY_MEMBER and exc.value.field == "user"
    assert not RoleAssignment.objects.filter(user=plain).exists()
    # As a part-time grid worker they are fine.
    services.grid_staff_assign(actor=world.carol, grid_id=world.grid2.pk, user_id=plain.pk,
                               role=Role.GRID_WORKER_PART)
    member = make_user("党员甲", party=True)
    services.grid_staff_assign(actor=world.carol, grid_id=world.grid2.pk, user_id=member.pk,
                               role=Role.GRID_LEADER)
    assert [s.name for s in selectors.grid_staff(world.grid2)] == ["党员甲", "郭网格", "王群众"]


def test_one_leader_per_grid_and_grid_workers_may_not_assign(world):
    other = make_user("党员乙", party=True)
    with pytest.raises(DomainError) as exc:
        services.grid_staff_assign(actor=world.carol, grid_id=world.grid1.pk, user_id=other.pk,
                                   role=Role.GRID_LEADER)
    assert exc.value.field == "role"
    with pytest.raises(Forbidden):
        services.grid_staff_assign(actor=world.lee, grid_id=world.grid1.pk, user_id=other.pk,
                                   role=Role.GRID_WORKER_PART)
    with pytest.raises(DomainError) as exc:
        services.grid_staff_assign(actor=world.carol, grid_id=world.grid1.pk, user_id=other.pk,
                                   role=Role.RESIDENT)
    assert exc.value.field == "role"


def test_staff_chain_order_and_removal(world):
    instructor = make_user("指导员")
    part = make_user("兼职员")
    for user, role in [(instructor, Role.GRID_INSTRUCTOR), (part, Role.GRID_WORKER_PART)]:
        services.grid_staff_assign(actor=world.adam, grid_id=world.grid1.pk, user_id=user.pk,
                                   role=role)
    chain = selectors.grid_staff(world.grid1)
    assert [s.role for s in chain] == [
        Role.GRID_LEADER, Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART, Role.GRID_INSTRUCTOR
    ]
    services.grid_staff_remove(actor=world.adam, grid_id=world.grid1.pk, user_id=part.pk)
    assert part.pk not in [s.user_id for s in selectors.grid_staff(world.grid1)]
    with pytest.raises(NotFound):
        services.grid_staff_remove(actor=world.adam, grid_id=world.grid1.pk, user_id=part.pk)


def test_existing_leaders_who_are_not_party_members_are_reported_not_changed(world):
    lapsed = grant(make_user("老组长"), Role.GRID_LEADER, community=world.community,
                   scope_id=world.grid2.pk)
    found = selectors.leaders_not_party_members(community=world.community)
    assert [r.user for r in found] == [lapsed]
    assert RoleAssignment.objects.filter(user=lapsed, role=Role.GRID_LEADER).exists()
    assert selectors.leaders_not_party_members(community=world.other) == []


def test_a_building_is_in_one_grid_and_moving_it_is_explicit(world):
    b3 = make_building(world.community, "3")
    services.grid_buildings_set(actor=world.carol, grid_id=world.grid1.pk,
                                building_ids=[world.b1.pk, b3.pk])
    assert GridBuilding.objects.get(building=b3).grid == world.grid1
    with pytest.raises(DomainError) as exc:
        services.grid_buildings_set(actor=world.carol, grid_id=world.grid2.pk,
                                    building_ids=[world.b2.pk, b3.pk])
    assert exc.value.field == "building_ids" and "第一网格" in str(exc.value.message)
    assert GridBuilding.objects.get(building=b3).grid == world.grid1  # nothing changed
    services.grid_buildings_set(actor=world.carol, grid_id=world.grid2.pk,
                                building_ids=[world.b2.pk, b3.pk], move=True)
    assert GridBuilding.objects.get(building=b3).grid == world.grid2
    assert GridBuilding.objects.filter(building=b3).count() == 1
    # Dropping a building from the list takes it out of the grid.
    services.grid_buildings_set(actor=world.carol, grid_id=world.grid2.pk,
                                building_ids=[world.b2.pk])
    assert not GridBuilding.objects.filter(building=b3).exists()


def test_buildings_of_another_community_are_refused(world):
    with pytest.raises(DomainError) as exc:
        services.grid_buildings_set(actor=world.carol, grid_id=world.grid1.pk,
                                    building_ids=[world.b1.pk, world.b_other.pk])
    assert exc.value.field == "building_ids"
    assert GridBuilding.objects.get(building=world.b_other).grid == world.other_grid


# --- visits ------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_visit_recorded_with_opinions_and_audit(world):
    alice_r = world.residents["alice_r"]
    v = services.visit_record(
        actor=world.gina, dwelling_id=world.h1.dwelling_id, people_met_ids=[alice_r.pk],
        health="血压偏高", living_situation="独居", needs="楼道灯坏了",
        opinions=[("facilities", "三楼楼道灯又坏了"), ("elderly", "想订老年餐")],
    )
    assert v.household == world.h1 and v.visitor == world.gina and v.visited_at == NOW
    assert list(v.people_met.all()) == [alice_r]
    assert sorted(Opinion.objects.filter(visit=v).values_list("category", flat=True)) == [
        "elderly", "facilities"
    ]
    entry = AuditEntry.objects.get(action="grid.visit.recorded")
    assert entry.community_id == world.community.pk and entry.target_id == str(v.pk)


def test_grid_worker_cannot_record_in_another_grid(world):
    with pytest.raises(NotFound):
        services.visit_record(actor=world.gina, dwelling_id=world.h2.dwelling_id)
    with pytest.raises(NotFound):
        services.visit_record(actor=world.oscar, dwelling_id=world.h1.dwelling_id)
    # A resident may see their dwelling but holds no RECORD_VISIT.
    with pytest.raises(Forbidden):
        services.visit_record(actor=world.alice, dwelling_id=world.h1.dwelling_id)
    # The street officer reads, never writes.
    with pytest.raises(Forbidden):
        services.visit_record(actor=world.sam, dwelling_id=world.h1.dwelling_id)
    assert not Visit.objects.exists()


def test_people_met_must_live_in_that_dwelling(world):
    bob_r = world.residents["bob_r"]
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.carol, dwelling_id=world.h1.dwelling_id,
                              people_met_ids=[bob_r.pk])
    assert exc.value.field == "people_met_ids"
    moved = make_resident(world.h1, "搬走了")
    moved.status = "moved_out"
    moved.save()
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.carol, dwelling_id=world.h1.dwelling_id,
                              people_met_ids=[moved.pk])
    assert exc.value.field == "people_met_ids"
    assert not Visit.objects.exists()


def test_nobody_home_cannot_name_people_met(world):
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                              people_met_ids=[world.residents["alice_r"].pk], nobody_home=True)
    assert exc.value.field == "nobody_home"


def test_retried_submission_with_same_key_creates_one_visit(world):
    kwargs = dict(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                  opinions=[("safety", "门禁坏了")], idempotency_key="k-123")
    first = services.visit_record(**kwargs)
    again = services.visit_record(**kwargs)
    assert first.pk == again.pk
    assert Visit.objects.count() == 1 and Opinion.objects.count() == 1
    assert AuditEntry.objects.filter(action="grid.visit.recorded").count() == 1
    # Another person's identical key is their own submission.
    services.visit_record(actor=world.lee, dwelling_id=world.h1.dwelling_id,
                          idempotency_key="k-123")
    assert Visit.objects.count() == 2


def test_a_racing_copy_of_the_submission_returns_the_first_visit(world, monkeypatch):
    first = services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                                  idempotency_key="race-1")
    real = services._visit_with_key
    calls = []

    def not_yet_committed(actor, key):
        # The first look-up happens before the other copy commits; the retry sees it.
        calls.append(key)
        return None if len(calls) == 1 else real(actor, key)

    monkeypatch.setattr(services, "_visit_with_key", not_yet_committed)
    again = services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                                  opinions=[("safety", "x")], idempotency_key="race-1")
    assert again.pk == first.pk and len(calls) == 2
    assert Visit.objects.count() == 1 and not Opinion.objects.exists()


def test_same_key_for_another_dwelling_is_refused(world):
    services.visit_record(actor=world.carol, dwelling_id=world.h1.dwelling_id,
                          idempotency_key="k-1")
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.carol, dwelling_id=world.h2.dwelling_id,
                              idempotency_key="k-1")
    assert exc.value.field == "idempotency_key"


@time_machine.travel(NOW, tick=False)
def test_future_visit_time_refused_with_the_field_named(world):
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                              visited_at=NOW + dt.timedelta(hours=1))
    assert exc.value.field == "visited_at" and exc.value.code == ErrorCode.INVALID
    # A phone clock a minute ahead is fine.
    services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                          visited_at=NOW + dt.timedelta(minutes=1))


def test_opinions_need_category_and_content(world):
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                              opinions=[("weather", "太热")])
    assert exc.value.field == "opinions"
    with pytest.raises(DomainError) as exc:
        services.visit_record(actor=world.gina, dwelling_id=world.h1.dwelling_id,
                              opinions=[("safety", "  ")])
    assert exc.value.field == "opinions"
    assert not Visit.objects.exists()


def test_visit_to_an_empty_dwelling_has_no_household(world):
    empty = dwellings_of(world.b1)[-1]
    assert not Household.objects.filter(dwelling=empty).exists()
    v = services.visit_record(actor=world.gina, dwelling_id=empty.pk, nobody_home=True)
    assert v.household is None


# --- duty roster -------------------------------------------------------------------------


def test_roster_fill_covers_every_day_including_holidays_and_make_up_days(world):
    calendar_fill_from_package()
    start, end = dt.date(2026, 9, 20), dt.date(2026, 10, 10)
    services.duty_shift_set(actor=world.carol, community=world.community,
                            date=dt.date(2026, 10, 1), person=world.lee, note="国庆值班")
    created = services.duty_roster_fill(actor=world.carol, community=world.community,
                                        start=start, end=end,
                                        people=[world.gina, world.greg.pk, world.carol])
    assert len(created) == 20  # 21 days, one already covered
    assert selectors.duty_gaps(community=world.community, start=start, end=end) == []
    # Rotation: gina, greg, carol, gina…
    assert [s.person for s in created[:4]] == [world.gina, world.greg, world.carol, world.gina]
    days = {d.date: d for d in selectors.duty_roster(community=world.community, start=start,
                                                      end=end)}
    national_day = days[dt.date(2026, 10, 1)]
    assert national_day.is_holiday and national_day.holiday_name == "国庆节"
    assert [p.name for p in national_day.on_duty] == [world.lee.name]
    make_up = days[dt.date(2026, 10, 10)]  # a Saturday worked for National Day
    assert make_up.is_makeup_workday and make_up.is_working_day and make_up.on_duty
    assert days[dt.date(2026, 9, 20)].is_makeup_workday  # a Sunday, also worked
    assert days[dt.date(2026, 10, 4)].is_holiday and days[dt.date(2026, 10, 4)].is_weekend
    # Filling again creates nothing.
    assert services.duty_roster_fill(actor=world.carol, community=world.community,
                                     start=start, end=end, people=[world.gina]) == []


def test_roster_gaps_found_and_fill_rules(world):
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 7)
    services.duty_shift_set(actor=world.carol, community=world.community,
                            date=dt.date(2026, 10, 3), person=world.gina)
    gaps = selectors.duty_gaps(community=world.community, start=start, end=end)
    assert dt.date(2026, 10, 3) not in gaps and len(gaps) == 6
    with pytest.raises(DomainError) as exc:  # a resident cannot be on duty
        services.duty_roster_fill(actor=world.carol, community=world.community, start=start,
                                  end=end, people=[world.alice])
    assert exc.value.field == "people"
    with pytest.raises(DomainError) as exc:  # nor staff of another community
        services.duty_shift_set(actor=world.carol, community=world.community, date=start,
                                person=world.oscar)
    assert exc.value.field == "person"
    with pytest.raises(DomainError) as exc:
        services.duty_roster_fill(actor=world.carol, community=world.community, start=end,
                                  end=start, people=[world.gina])
    assert exc.value.field == "end"
    with pytest.raises(Forbidden):
        services.duty_roster_fill(actor=world.gina, community=world.community, start=start,
                                  end=end, people=[world.gina])
    assert DutyShift.objects.count() == 1


def test_shift_removed(world):
    shift = services.duty_shift_set(actor=world.carol, community=world.community,
                                    date=dt.date(2026, 10, 3), person=world.gina)
    with pytest.raises(NotFound):
        services.duty_shift_remove(actor=world.oscar, shift_id=shift.pk)
    with pytest.raises(Forbidden):
        services.duty_shift_remove(actor=world.gina, shift_id=shift.pk)
    services.duty_shift_remove(actor=world.carol, shift_id=shift.pk)
    assert not DutyShift.objects.exists()


# --- the holiday arrangement ----------------------------------------------------------------


def test_community_admin_enters_next_year(world):
    services.calendar_arrangement_set(
        actor=world.adam, year=2027,
        holidays="2027-10-01 国庆节\n2027-10-02 国庆节\n\n2027-1-1 元旦",
        workdays="2027-09-26 国庆节",
    )
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.Source.MANUAL
    assert day_info(dt.date(2027, 10, 1)).holiday_name == "国庆节"
    assert not day_info(dt.date(2027, 1, 1)).is_working_day
    assert day_info(dt.date(2027, 9, 26)).is_working_day
    assert AuditEntry.objects.filter(action="grid.calendar.year_set").exists()


def test_calendar_lines_are_checked_and_only_admins_enter_them(world):
    with pytest.raises(Forbidden):
        services.calendar_arrangement_set(actor=world.carol, year=2027,
                                          holidays="2027-10-01 国庆节", workdays="")
    cases = [
        ("holidays", "2027-13-01 国庆节", ""),
        ("holidays", "国庆节", ""),
        ("holidays", "2028-10-01 国庆节", ""),
        ("holidays", "2027-10-01 a\n2027-10-01 b", ""),
        ("workdays", "2027-10-01 国庆节", "2027-10-01 国庆节"),
        ("workdays", "2027-10-01 国庆节", "2027-09-27 国庆节"),  # a Monday
        ("holidays", "", ""),
    ]
    for field, holidays, workdays in cases:
        with pytest.raises(DomainError) as exc:
            services.calendar_arrangement_set(actor=world.adam, year=2027, holidays=holidays,
                                              workdays=workdays)
        assert exc.value.field == field, (holidays, workdays)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_grid_objects_are_scoped(world):
    assert set(selectors.grids_for(actor=world.gina)) == {world.grid1}
    assert set(selectors.grids_for(actor=world.carol)) == {world.grid1, world.grid2}
    assert set(selectors.grids_for(actor=world.sam)) == {
        world.grid1, world.grid2, world.other_grid
    }
    assert list(selectors.grids_for(actor=world.alice)) == []
    with pytest.raises(NotFound):
        selectors.access_grid(actor=world.gina, grid_id=world.grid2.pk)
    assert Grid.objects.count() == 3
    assert timezone.is_aware(timezone.now())


def test_grid_building_add_keeps_the_grids_other_buildings(world):
    extra = make_building(world.community, "9")
    services.grid_building_add(actor=world.carol, grid_id=world.grid1.pk, building_id=extra.pk)
    assert set(GridBuilding.objects.filter(grid=world.grid1).values_list("building_id", flat=True)) == {
        world.b1.pk, extra.pk}
    with pytest.raises(DomainError):  # b2 is in grid 2: moving needs move=True
        services.grid_building_add(actor=world.carol, grid_id=world.grid1.pk,
                                   building_id=world.b2.pk)
    assert GridBuilding.objects.get(building=world.b2).grid_id == world.grid2.pk
