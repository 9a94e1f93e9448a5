import datetime as dt

import time_machine

from xingfuli.core.models import Role
from xingfuli.core.testing import grant, make_resident, make_user
from xingfuli.grid import selectors
from xingfuli.grid.tests.factories import dwellings_of, visit
from xingfuli.registry.models import Household

TZ = dt.timezone(dt.timedelta(hours=8))


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


def overdue(actor, **kw):
    return list(selectors.overdue_key_households(actor=actor, **kw))


def test_overdue_key_households_follow_the_revisit_interval(world):
    h1 = world.h1  # alice: aged 80+, living alone
    with time_machine.travel(at(2026, 10, 1), tick=False):
        assert overdue(world.gina) == [h1]  # never visited
        assert overdue(world.greg) == []  # bob is in no key group
        visit(world.gina, h1)
    with time_machine.travel(at(2026, 10, 20), tick=False):
        assert overdue(world.gina) == []
    with time_machine.travel(at(2026, 11, 4), tick=False):
        # Nobody at home does not count as a visit.
        visit(world.gina, h1, nobody_home=True)
        rows = overdue(world.gina)
        assert rows == [h1]
        assert rows[0].last_visited_at == at(2026, 10, 1)
        assert selectors.days_since(rows[0].last_visited_at) == 34
        world.community.visit_interval_days = 60
        world.community.save()
        assert overdue(world.gina) == []
        assert overdue(world.carol, today=dt.date(2026, 12, 1)) == [h1]


def test_overdue_is_scoped_and_ignores_people_who_moved_out(world):
    with time_machine.travel(at(2026, 10, 1), tick=False):
        key = make_resident(world.h2, "独居老人", tags=["living_alone"])
        assert overdue(world.greg) == [world.h2]
        assert world.h2 not in overdue(world.gina)
        assert set(overdue(world.carol)) == {world.h1, world.h2}
        assert overdue(world.oscar) == []
        assert overdue(world.sam) == []  # no VIEW_REGISTRY: no households at all
        key.status = "moved_out"
        key.save()
        assert overdue(world.greg) == []
        assert overdue(world.carol, grid=world.grid1) == [world.h1]


def _households(world, n, *, key=True):
    made = []
    for i, dwelling in enumerate(dwellings_of(world.b1)[1 : n + 1]):
        h = Household.objects.create(dwelling=dwelling, code=f"K{i}")
        make_resident(h, f"居民{i}", tags=["aged_80"] if key else None)
        made.append(h)
    return made


def test_overdue_query_count_does_not_grow(world, django_assert_num_queries):
    with time_machine.travel(at(2026, 10, 1), tick=False):
        selectors.overdue_key_households(actor=world.carol)  # roles cached on the user
        # communities, households, their residents, the residents' tags
        with django_assert_num_queries(4):
            rows = overdue(world.carol)
            names = [selectors.key_group_names(h.living) for h in rows]
        assert len(rows) == 1 and names
        _households(world, 8)
        with django_assert_num_queries(4):
            rows = overdue(world.carol)
            names = [selectors.key_group_names(h.living) for h in rows]
        assert len(rows) == 9


def test_visit_coverage_numbers(world):
    more = _households(world, 3, key=False)
    Household.objects.create(dwelling=dwellings_of(world.b1)[10], code="EMPTY")  # nobody lives
    with time_machine.travel(at(2026, 10, 1), tick=False):
        visit(world.gina, world.h1)
        visit(world.gina, more[0])
        visit(world.gina, more[1], nobody_home=True)  # does not count
    with time_machine.travel(at(2026, 10, 25), tick=False):
        visit(world.gina, more[2])
        visit(world.gina, more[2])  # twice is still one household
        rows = {r["grid_id"]: r for r in selectors.visit_coverage(actor=world.carol, days=30)}
        assert rows[world.grid1.pk]["households"] == 4
        assert rows[world.grid1.pk]["visited"] == 3
        assert rows[world.grid1.pk]["percent"] == 75.0
        assert rows[world.grid2.pk]["households"] == 1 and rows[world.grid2.pk]["visited"] == 0
        assert rows[world.grid2.pk]["rate"] == 0.0
        short = {r["grid_id"]: r for r in selectors.visit_coverage(actor=world.carol, days=7)}
        assert short[world.grid1.pk]["visited"] == 1
        # Grid staff see their own grids; the dashboard asks by community.
        assert [r["grid_id"] for r in selectors.visit_coverage(actor=world.gina)] == [
            world.grid1.pk
        ]
        by_community = selectors.visit_coverage(community=world.community, days=30)
        assert [(r["grid_id"], r["visited"]) for r in by_community] == [
            (world.grid1.pk, 3), (world.grid2.pk, 0)
        ]
        assert selectors.visit_coverage(community=world.other)[0]["households"] == 1


def test_coverage_costs_two_queries(world, django_assert_num_queries):
    selectors.visit_coverage(community=world.community)
    with django_assert_num_queries(2):
        selectors.visit_coverage(community=world.community)
    _households(world, 5)
    with django_assert_num_queries(2):
        selectors.visit_coverage(community=world.community)


def test_public_grid_card_has_staff_phones_and_no_residents(world):
    part = grant(make_user("兼职甲"), Role.GRID_WORKER_PART, community=world.community,
                 scope_id=world.grid1.pk)
    card = selectors.grid_card(community_slug="wanquan", sequence=1)
    assert card.grid_name == "第一网格" and card.hotline == "023-66221234"
    assert [s.name for s in card.staff] == [world.lee.name, world.gina.name]
    assert card.staff[0].mobile == world.lee.mobile
    assert part.name not in [s.name for s in card.staff]
    assert card.buildings == [str(world.b1)]
    text = repr(card)
    for r in world.residents.values():
        assert r.name not in text
    other = selectors.grid_card(community_slug="guihuawan", sequence=1)
    assert other.hotline == "12345"  # the platform default when the community has none


def test_duty_roster_costs_three_queries(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        days = selectors.duty_roster(community=world.community, start=dt.date(2026, 10, 1),
                                     end=dt.date(2026, 10, 31))
    assert len(days) == 31 and all(d.is_gap for d in days)
    assert all(d.fallback for d in days)  # no calendar entered in this test


def test_month_bounds():
    assert selectors.month_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert selectors.month_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert selectors.month_bounds("rubbish", dt.date(2026, 11, 28)) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    )
