"""The staff pages that manage the grid network: staff chain, buildings, new grids, roster."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from xingfuli.core.models import AuditEntry, Role, RoleAssignment, User
from xingfuli.core.testing import grant, make_building, make_user
from xingfuli.grid.models import DutyShift, Grid, GridBuilding

TZ = dt.timezone(dt.timedelta(hours=8))
OCT = dt.datetime(2026, 10, 15, 10, 0, tzinfo=TZ)
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def grid_url(grid, **query):
    url = reverse("grid:grid", args=[grid.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def staff_of(grid):
    return set(
        RoleAssignment.objects.filter(scope_id=grid.pk, role__in=[
            Role.GRID_LEADER, Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART, Role.GRID_INSTRUCTOR,
        ]).values_list("user_id", "role")
    )


def buildings_of(grid):
    return set(GridBuilding.objects.filter(grid=grid).values_list("building_id", flat=True))


def snapshot():
    """Everything the management pages may change."""
    return (
        set(RoleAssignment.objects.values_list("user_id", "role", "scope_id")),
        set(GridBuilding.objects.values_list("grid_id", "building_id")),
        set(Grid.objects.values_list("pk", flat=True)),
        set(DutyShift.objects.values_list("pk", flat=True)),
        User.objects.count(),
    )


def field_errors(response, form="staff_form"):
    return {k: [str(m) for m in v] for k, v in response.context[form].errors.items()}


# --- who sees the management parts -------------------------------------------------------------


def test_staff_see_remove_buttons_add_form_and_building_choices(world, login):
    page = text(login(world.carol).get(grid_url(world.grid1)))
    assert "Remove 尹网格" in page and "Remove 李组长" in page
    assert reverse("grid:staff_add", args=[world.grid1.pk]) in page
    assert reverse("grid:grid_buildings", args=[world.grid1.pk]) in page
    # Every building of the community, with the grid it is in now.
    assert "Building 1 · in this grid" in page and "Building 2 · now in 第二网格" in page
    assert "gets no password" in page


def test_grid_workers_see_the_chain_but_no_management(world, login):
    page = text(login(world.gina).get(grid_url(world.grid1, q="网格", remove=world.gina.pk,
                                               role="grid_worker_full")))
    assert "尹网格" in page and f'href="tel:{world.gina.mobile}"' in page
    assert "Remove" not in page and "Add staff" not in page
    assert reverse("grid:grid_buildings", args=[world.grid1.pk]) not in page


# --- finding people ----------------------------------------------------------------------------


def test_search_finds_people_of_the_community_by_name_or_mobile_tail(world, login):
    client = login(world.carol)
    page = text(client.get(grid_url(world.grid1, q="网格")))
    assert "尹网格 · 139****" in page and "郭网格" in page
    assert world.gina.mobile not in page.split("People found")[1].split("Or a new person")[0]
    page = text(client.get(grid_url(world.grid1, q=world.greg.mobile[-4:])))
    assert f'name="user" value="{world.greg.pk}"' in page
    assert f'name="user" value="{world.gina.pk}"' not in page
    # A resident who has an account can be found too (a volunteer grid worker, say).
    page = text(client.get(grid_url(world.grid1, q="爱丽")))
    assert f'name="user" value="{world.alice.pk}"' in page
    # People of another community are not.
    page = text(client.get(grid_url(world.grid1, q="欧外人")))
    assert f'name="user" value="{world.oscar.pk}"' not in page
    assert "Nobody of this community matches" in page


def test_search_swaps_only_the_candidates_for_htmx(world, login):
    r = login(world.carol).get(grid_url(world.grid1, q="郭", part="candidates"), **HTMX)
    body = r.content.decode()
    assert body.strip().startswith('<div id="candidates"') and "<html" not in body
    assert f'value="{world.greg.pk}"' in body and 'name="q" value="郭"' in body


# --- adding staff ------------------------------------------------------------------------------


def test_staff_add_a_person_found(world, login):
    r = login(world.carol).post(reverse("grid:staff_add", args=[world.grid1.pk]), {
        "q": "郭", "user": world.greg.pk, "role": "grid_worker_part",
    })
    assert r.status_code == 302 and r["Location"].endswith(f"/grid/{world.grid1.pk}/#staff")
    assert (world.greg.pk, "grid_worker_part") in staff_of(world.grid1)
    assert AuditEntry.objects.filter(action="grid.staff.assigned").count() == 1
    page = text(login(world.carol).get(grid_url(world.grid1)))
    assert "is now on the staff of 第一网格: Part-time grid worker" in page


def test_staff_add_a_new_person_who_gets_no_password(world, login):
    r = login(world.carol).post(reverse("grid:staff_add", args=[world.grid2.pk]), {
        "name": "新网格员", "mobile": "138 0013 8000", "is_party_member": "on",
        "role": "grid_leader",
    })
    assert r.status_code == 302
    user = User.objects.get(mobile="13800138000")
    assert user.name == "新网格员" and user.is_party_member and not user.has_usable_password()
    assert (user.pk, "grid_leader") in staff_of(world.grid2)
    audit = AuditEntry.objects.get(action="core.user.created")
    assert audit.community_id == world.community.pk and audit.actor == world.carol


def test_htmx_add_swaps_the_staff_section_with_the_new_name(world, login):
    r = login(world.carol).post(reverse("grid:staff_add", args=[world.grid1.pk]), {
        "name": "小新", "mobile": "13800138001", "role": "grid_worker_part",
    }, **HTMX)
    body = text(r)
    assert r.status_code == 200 and body.strip().startswith('<section id="staff"')
    assert "<html" not in body
    assert "小新 is now on the staff of 第一网格" in body and "set one for them" in body
    assert "Remove 小新" in body


@pytest.mark.parametrize(("post", "field", "message"), [
    ({"name": "甲", "mobile": "12345"}, "mobile", "A mobile number has 11 digits"),
    ({"name": "甲", "mobile": ""}, "mobile", "A mobile number has 11 digits"),
    ({"name": "", "mobile": "13800138000"}, "name", "Enter the person's name."),
    ({"name": "甲", "mobile": "DUP"}, "mobile", "already has this mobile number"),
    ({"name": "甲", "mobile": "13800138000", "role": "grid_leader"}, "is_party_member",
     "A grid leader must be a party member: 甲 is not recorded as one."),
    ({"user": "GREG", "role": "grid_leader"}, "user",
     "A grid leader must be a party member: 郭网格 is not recorded as one."),
    ({}, "user", "Choose a person found, or enter a new person's name and mobile number."),
    ({"user": "GREG", "name": "甲", "mobile": "13800138000"}, "__all__",
     "Either choose a person found or enter a new person, not both."),
    ({"user": "OSCAR"}, "user", "Select a valid choice."),
    ({"user": "LEE", "role": "grid_leader", "GRID": 1}, "role",
     "This grid already has a leader"),
    ({"user": "GINA", "role": "mayor"}, "role", "Select a valid choice."),
])
def test_bad_input_is_shown_on_its_field_and_changes_nothing(world, login, post, field, message):
    data = {"role": "grid_worker_part", "q": "网格", **post}
    for key, who in (("GREG", world.greg), ("OSCAR", world.oscar), ("LEE", make_user(
            "党员丙", party=True)), ("GINA", world.gina)):
        if data.get("user") == key:
            data["user"] = who.pk
            if key == "LEE":
                grant(who, Role.GRID_WORKER_PART, community=world.community,
                      scope_id=world.grid2.pk)
    if data.get("mobile") == "DUP":
        data["mobile"] = world.gina.mobile
    grid = world.grid1 if data.pop("GRID", 2) == 1 else world.grid2
    before = snapshot()
    audits = AuditEntry.objects.count()
    r = login(world.carol).post(reverse("grid:staff_add", args=[grid.pk]), data)
    assert r.status_code == 200
    errors = field_errors(r)
    assert any(message in m for m in errors.get(field, [])), errors
    assert message.split("“")[0].replace("'", "&#x27;") in r.content.decode()
    assert snapshot() == before and AuditEntry.objects.count() == audits


# --- removing staff ----------------------------------------------------------------------------


def test_remove_asks_in_words_first_then_removes(world, login):
    client = login(world.carol)
    url = reverse("grid:staff_remove", args=[world.grid1.pk])
    page = text(client.get(grid_url(world.grid1, remove=world.gina.pk, role="grid_worker_full")))
    assert ("Remove 尹网格 (full-time grid worker) from 第一网格? They will no longer see "
            "this grid's households.") in page
    assert "Yes, remove 尹网格" in page and "No, keep them" in page
    # A POST without the "yes" only asks.
    r = client.post(url, {"user": world.gina.pk, "role": "grid_worker_full"})
    assert r.status_code == 200 and "Yes, remove 尹网格" in text(r)
    assert (world.gina.pk, "grid_worker_full") in staff_of(world.grid1)
    r = client.post(url, {"user": world.gina.pk, "role": "grid_worker_full", "confirm": "yes"})
    assert r.status_code == 302
    assert (world.gina.pk, "grid_worker_full") not in staff_of(world.grid1)
    assert AuditEntry.objects.filter(action="grid.staff.removed").count() == 1
    assert "尹网格 is no longer full-time grid worker of 第一网格." in text(
        client.get(grid_url(world.grid1)))


def test_htmx_remove_confirmation_and_removal_swap_the_staff_section(world, login):
    client = login(world.carol)
    r = client.get(grid_url(world.grid1, part="staff", remove=world.gina.pk,
                            role="grid_worker_full"), **HTMX)
    assert r.content.decode().strip().startswith('<section id="staff"')
    assert "Yes, remove 尹网格" in text(r)
    r = client.post(reverse("grid:staff_remove", args=[world.grid1.pk]),
                    {"user": world.gina.pk, "role": "grid_worker_full", "confirm": "yes"}, **HTMX)
    body = text(r)
    assert body.strip().startswith('<section id="staff"') and "Remove 尹网格" not in body
    assert "尹网格 is no longer" in body


def test_removing_someone_not_on_the_grid_is_not_found(world, login):
    r = login(world.carol).post(reverse("grid:staff_remove", args=[world.grid2.pk]),
                                {"user": world.gina.pk, "role": "grid_worker_full",
                                 "confirm": "yes"})
    assert r.status_code == 404
    assert (world.gina.pk, "grid_worker_full") in staff_of(world.grid1)
    r = login(world.carol).post(reverse("grid:staff_remove", args=[world.grid1.pk]),
                                {"user": "x", "role": "grid_worker_full", "confirm": "yes"})
    assert r.status_code == 400


# --- buildings ---------------------------------------------------------------------------------


def test_buildings_are_chosen_and_moving_one_needs_the_move_box(world, login):
    b3 = make_building(world.community, "3")
    client = login(world.carol)
    url = reverse("grid:grid_buildings", args=[world.grid1.pk])
    r = client.post(url, {"building_ids": [world.b1.pk, b3.pk]})
    assert r.status_code == 302 and r["Location"].endswith("#buildings")
    assert buildings_of(world.grid1) == {world.b1.pk, b3.pk}

    before = snapshot()
    r = client.post(url, {"building_ids": [world.b1.pk, world.b2.pk]})
    assert r.status_code == 200
    errors = field_errors(r, "buildings_form")["building_ids"]
    assert "Some buildings are already in another grid: Building 2 → 第二网格." in errors[0]
    assert "<details open>" in r.content.decode()
    assert snapshot() == before

    r = client.post(url, {"building_ids": [world.b1.pk, world.b2.pk], "move": "on"})
    assert r.status_code == 302
    assert buildings_of(world.grid1) == {world.b1.pk, world.b2.pk}
    assert buildings_of(world.grid2) == set()
    assert GridBuilding.objects.filter(building=b3).count() == 0  # unticked: in no grid now


def test_htmx_buildings_swap_the_buildings_section(world, login):
    b3 = make_building(world.community, "3")
    r = login(world.carol).post(reverse("grid:grid_buildings", args=[world.grid1.pk]),
                                {"building_ids": [world.b1.pk, b3.pk]}, **HTMX)
    body = text(r)
    assert body.strip().startswith('<section id="buildings"') and "<html" not in body
    assert "The buildings of 第一网格 were saved." in body
    assert reverse("registry:building", args=[b3.pk]) in body


def test_buildings_of_another_community_are_not_offered(world, login):
    r = login(world.carol).post(reverse("grid:grid_buildings", args=[world.grid1.pk]),
                                {"building_ids": [world.b1.pk, world.b_other.pk]})
    assert r.status_code == 200 and "building_ids" in field_errors(r, "buildings_form")
    assert buildings_of(world.grid1) == {world.b1.pk}


# --- a new grid --------------------------------------------------------------------------------


def test_new_grid_from_the_grids_page(world, login):
    client = login(world.carol)
    page = text(client.get(reverse("grid:grids")))
    assert "New grid" in page and 'name="sequence"' in page
    r = client.post(reverse("grid:grids"), {
        "community": world.community.pk, "name": "第三网格", "sequence": 3, "code": "",
        "area_description": "万泉街 20–30 号",
    })
    grid = Grid.objects.get(name="第三网格")
    assert r.status_code == 302 and r["Location"] == grid_url(grid)
    assert grid.code == "500113001001003" and grid.community == world.community
    before = snapshot()
    r = client.post(reverse("grid:grids"), {
        "community": world.community.pk, "name": "又一个", "sequence": 3,
    })
    assert r.status_code == 200
    assert "This community already has a grid number 3." in field_errors(r, "new_form")[
        "sequence"]
    assert snapshot() == before


def test_grid_workers_get_no_new_grid_form(world, login):
    page = text(login(world.gina).get(reverse("grid:grids")))
    assert "New grid" not in page and 'name="sequence"' not in page


# --- refused: a grid worker, and staff of another community ------------------------------------


def _management_posts(world, grid, shift):
    return [
        (reverse("grid:staff_add", args=[grid.pk]),
         {"name": "甲", "mobile": "13800138000", "role": "grid_worker_part"}),
        (reverse("grid:staff_add", args=[grid.pk]),
         {"user": world.greg.pk, "role": "grid_worker_part"}),
        (reverse("grid:staff_remove", args=[grid.pk]),
         {"user": world.lee.pk, "role": "grid_leader", "confirm": "yes"}),
        (reverse("grid:grid_buildings", args=[grid.pk]), {"building_ids": [], "move": "on"}),
        (reverse("grid:grids"), {"community": world.community.pk, "name": "x", "sequence": 9}),
        (reverse("grid:roster"), {"action": "add", "community": "wanquan",
                                  "shift-date": "2026-10-03", "shift-person": world.gina.pk}),
        (reverse("grid:roster"), {"action": "remove", "community": "wanquan",
                                  "shift": shift.pk}),
        (reverse("grid:roster"), {"action": "fill", "community": "wanquan",
                                  "fill-start": "2026-10-01", "fill-end": "2026-10-31",
                                  "fill-people": [world.gina.pk]}),
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_grid_worker_is_refused_every_management_post(world, login, htmx):
    shift = DutyShift.objects.create(community=world.community, date=dt.date(2026, 10, 1),
                                     person=world.lee)
    client = login(world.gina)
    before = snapshot()
    audits = AuditEntry.objects.count()
    for url, data in _management_posts(world, world.grid1, shift):
        r = client.post(url, data, **(HTMX if htmx else {}))
        assert r.status_code == 403, url
    # Grid 2 is not even visible to her.
    for url, data in _management_posts(world, world.grid2, shift)[:4]:
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before and AuditEntry.objects.count() == audits


def test_staff_of_another_community_cannot_touch_its_grids(world, login):
    shift = DutyShift.objects.create(community=world.community, date=dt.date(2026, 10, 1),
                                     person=world.lee)
    client = login(world.oscar)
    assert client.get(grid_url(world.grid1)).status_code == 404
    before = snapshot()
    statuses = [client.post(url, data).status_code
                for url, data in _management_posts(world, world.grid1, shift)]
    # The grid pages and wanquan's roster are not found; the new-grid form offers only
    # oscar's own community, so wanquan is not a valid choice.
    assert statuses == [404, 404, 404, 404, 200, 404, 404, 404]
    r = client.post(reverse("grid:grids"), {"community": world.community.pk, "name": "x",
                                            "sequence": 9})
    assert "community" in field_errors(r, "new_form")
    assert snapshot() == before
    # Nor can he move wanquan's buildings into his own grid.
    r = client.post(reverse("grid:grid_buildings", args=[world.other_grid.pk]),
                    {"building_ids": [world.b_other.pk, world.b1.pk], "move": "on"})
    assert r.status_code == 200 and "building_ids" in field_errors(r, "buildings_form")
    assert snapshot() == before


# --- query counts ------------------------------------------------------------------------------


def test_grid_page_queries_do_not_grow_with_staff_or_buildings(
    world, login, django_assert_num_queries
):
    client = login(world.carol)
    url = grid_url(world.grid1, q="网格")
    with time_machine.travel(OCT, tick=False):
        client.get(url)
        # session, user, scope roles, grid, capability roles, staff, people found, community
        # buildings, grid's buildings, communities, overdue households, their residents, tags,
        # coverage, grids, visits, unread messages, next year's calendar
        with django_assert_num_queries(17):
            page = text(client.get(url))
        assert "Remove 尹网格" in page
        count = 17
        for i in range(6):
            grant(make_user(f"网格员{i}"), Role.GRID_WORKER_PART, community=world.community,
                  scope_id=world.grid1.pk)
            make_building(world.community, str(10 + i), grid=world.grid1 if i % 2 else None,
                          floors=1, units=1, rooms_per_floor=1)
        with django_assert_num_queries(count):
            page = text(client.get(url))
        new = User.objects.get(name="网格员5")
        assert "Remove 网格员5" in page and f'value="{new.pk}"' in page
        assert "Building 15 · in this grid" in page and "Building 14 · in no grid" in page


def test_roster_page_queries_do_not_grow_with_shifts_for_managers(
    world, login, django_assert_num_queries
):
    client = login(world.carol)
    url = reverse("grid:roster") + "?month=2026-10"
    with time_machine.travel(OCT, tick=False):
        client.get(url)
        # session, user, roles, community, people on duty, shifts, calendar years, calendar
        # days, unread messages, next year's calendar
        with django_assert_num_queries(10):
            client.get(url)
        count = 10
        for i in range(5):
            grant(make_user(f"值班员{i}"), Role.GRID_WORKER_PART, community=world.community,
                  scope_id=world.grid2.pk)
        DutyShift.objects.bulk_create(
            DutyShift(community=world.community, date=dt.date(2026, 10, d), person=person)
            for d in range(1, 20) for person in (world.gina, world.lee)
        )
        with django_assert_num_queries(count):
            page = text(client.get(url))
    assert "Remove 尹网格 from 10-19" in page and "值班员4" in page


# --- the roster ----------------------------------------------------------------------------


def test_roster_gap_links_prefill_the_day(world, login):
    client = login(world.carol)
    page = text(client.get(reverse("grid:roster") + "?month=2026-10"))
    assert page.count("Nobody on duty") == 31
    assert "?community=wanquan&amp;month=2026-10&amp;date=2026-10-05#assign" in page
    page = text(client.get(reverse("grid:roster") + "?month=2026-10&date=2026-10-05"))
    assert 'name="shift-date" value="2026-10-05"' in page


def test_htmx_assign_swaps_the_days_cell_and_a_fresh_form(world, login):
    client = login(world.carol)
    r = client.post(reverse("grid:roster"), {
        "action": "add", "community": "wanquan", "month": "2026-10",
        "shift-date": "2026-10-05", "shift-person": world.gina.pk, "shift-note": "",
    }, **HTMX)
    body = text(r)
    assert r.status_code == 200 and body.strip().startswith('<section id="assign"')
    assert "尹网格 is on duty on 2026-10-05." in body
    cell = body.split('<td id="duty-2026-10-05" hx-swap-oob="true">')[1].split("</td>")[0]
    assert "尹网格" in cell and "Nobody on duty" not in cell and "<template>" in body
    shift = DutyShift.objects.get()
    assert shift.person == world.gina and shift.date == dt.date(2026, 10, 5)

    # Removing it swaps the cell back to "nobody on duty".
    r = client.post(reverse("grid:roster"), {
        "action": "remove", "community": "wanquan", "month": "2026-10", "shift": shift.pk,
    }, **HTMX)
    body = text(r).strip()
    assert body.startswith('<td id="duty-2026-10-05">') and "Nobody on duty" in body
    assert not DutyShift.objects.exists()


def test_htmx_assign_errors_come_back_in_the_form(world, login):
    stranger = make_user("路人")
    r = login(world.carol).post(reverse("grid:roster"), {
        "action": "add", "community": "wanquan", "month": "2026-10",
        "shift-date": "", "shift-person": stranger.pk,
    }, **HTMX)
    body = text(r)
    assert body.strip().startswith('<section id="assign"') and "hx-swap-oob" not in body
    assert "This field is required." in body and "Select a valid choice." in body
    assert not DutyShift.objects.exists()


def test_assign_without_htmx_redirects_to_the_month(world, login):
    r = login(world.carol).post(reverse("grid:roster"), {
        "action": "add", "community": "wanquan", "month": "2026-10",
        "shift-date": "2026-10-05", "shift-person": world.lee.pk,
    })
    assert r.status_code == 302 and r["Location"].endswith("month=2026-10")
    assert DutyShift.objects.get().person == world.lee


def test_date_inputs_carry_iso_dates_in_chinese_too(world, login, settings):
    # <input type="date"> ignores any other format: the day would silently be lost.
    settings.LANGUAGE_CODE = "zh-hans"
    page = text(login(world.carol).get(
        reverse("grid:roster") + "?month=2026-10&date=2026-10-05"))
    assert 'lang="zh-CN"' in page
    assert 'name="shift-date" value="2026-10-05"' in page
    assert 'name="fill-start" value="2026-10-01"' in page
    assert 'name="fill-end" value="2026-10-31"' in page
