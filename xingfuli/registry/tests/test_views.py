import datetime as dt

from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_building, make_id_number, make_resident
from xingfuli.registry.models import Dwelling, Household, Resident
from xingfuli.registry.tests.test_selectors import populate


def test_building_list_page_constant_queries(world, login, django_assert_num_queries):
    client = login(world.carol)
    client.get("/registry/buildings/")
    # session, user, roles, buildings, unread notifications, next year's calendar
    with django_assert_num_queries(6) as ctx:
        page = client.get("/registry/buildings/").content.decode()
    assert "Building 1" in page and "Building 2" in page and "第一网格" in page
    for n in range(3, 8):
        populate(make_building(world.community, str(n), grid=world.grid2), every=4)
    with django_assert_num_queries(len(ctx.captured_queries)):
        page = client.get("/registry/buildings/").content.decode()
    assert "Building 7" in page


def test_building_page_draws_the_floorplan_with_constant_queries(
    world, login, django_assert_num_queries
):
    small = make_building(world.community, "7", floors=7, units=2, grid=world.grid1)
    big = make_building(world.community, "8", floors=8, units=3, rooms_per_floor=3,
                        grid=world.grid1)
    populate(small, every=2)
    populate(big)
    client = login(world.gina)
    with django_assert_num_queries(11) as ctx:  # 10, and its party branches (one query)
        page = client.get(f"/registry/buildings/{small.pk}/").content.decode()
    assert page.count('class="floor"') == 14
    assert f'href="/b/{small.pk}/"' in page and f'href="/b/{small.pk}/poster.pdf"' in page
    with django_assert_num_queries(len(ctx.captured_queries)):
        page = client.get(f"/registry/buildings/{big.pk}/").content.decode()
    assert page.count('class="floor"') == 24
    assert page.count('class="dwelling key"') == 72
    assert "Key group:" in page and "高龄" in page  # said in words, not colour only
    assert "--cols: 3" in page
    assert page.index(">8F<") < page.index(">1F<")  # top floor first


def test_building_page_scoped(world, login):
    assert login(world.gina).get(f"/registry/buildings/{world.b2.pk}/").status_code == 404
    assert login(world.oscar).get(f"/registry/buildings/{world.b1.pk}/").status_code == 404
    assert login(world.sam).get("/registry/buildings/").status_code == 403


def test_add_household_from_floorplan(world, login):
    d = Dwelling.objects.filter(unit__building=world.b1, households__isnull=True)[0]
    client = login(world.gina)
    page = client.get(f"/registry/buildings/{world.b1.pk}/").content.decode()
    assert "Add household" in page
    response = client.post(f"/registry/dwellings/{d.pk}/household/")
    household = Household.objects.get(dwelling=d)
    assert response.url == f"/registry/households/{household.pk}/residents/new/"
    other = Dwelling.objects.filter(unit__building=world.b2)[0]
    assert client.post(f"/registry/dwellings/{other.pk}/household/").status_code == 404


def test_household_page_shows_masked_numbers_age_tags(world, login, django_assert_num_queries):
    alice = world.residents["alice_r"]
    client = login(world.gina)
    response = client.get(f"/registry/households/{world.h1.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert alice.id_number_masked in page and alice.mobile_masked in page
    assert "独居" in page and "高龄" in page and "living here" in page
    assert "1-1-101" in page and "63.50 m²" in page
    assert "Show full numbers" not in page  # gina may not unmask
    assert "Add a resident" in page
    assert f'href="/grid/dwellings/{world.h1.dwelling_id}/visit/"' in page
    # session, user, roles, household, residents, tags, owners, unread notifications, calendar
    with django_assert_num_queries(9) as ctx:
        client.get(f"/registry/households/{world.h1.pk}/")
    for i in range(4):
        make_resident(world.h1, f"家人{i}", relation=Resident.Relation.CHILD,
                      birth=dt.date(1970 + i, 1, 1), tags=["dibao"])
    with django_assert_num_queries(len(ctx.captured_queries)):
        page = client.get(f"/registry/households/{world.h1.pk}/").content.decode()
    assert page.count("低保") == 4


def test_resident_sees_own_household_only(world, login):
    client = login(world.alice)
    page = client.get(f"/registry/households/{world.h1.pk}/").content.decode()
    assert "张爱丽" in page and "Add a resident" not in page and "Show full numbers" not in page
    assert "Record a household visit" not in page
    assert client.get(f"/registry/households/{world.h2.pk}/").status_code == 404
    assert client.get(f"/registry/residents/{world.residents['bob_r'].pk}/").status_code == 404


def test_carol_reveals_numbers_on_the_household_page_and_it_is_audited(world, login):
    from xingfuli.core import crypto

    alice = world.residents["alice_r"]
    client = login(world.carol)
    assert "Show full numbers" in client.get(f"/registry/households/{world.h1.pk}/").content.decode()
    # No reason, no numbers: the page says why.
    page = client.post(f"/registry/households/{world.h1.pk}/").content.decode()
    assert crypto.decrypt(alice.id_number_encrypted) not in page and "reason" in page
    page = client.post(f"/registry/households/{world.h1.pk}/",
                       {"reason": "other", "note": "核对低保材料"}).content.decode()
    full_mobile = crypto.decrypt(alice.mobile_encrypted)
    assert crypto.decrypt(alice.id_number_encrypted) in page
    assert f'href="tel:{full_mobile}"' in page
    assert AuditEntry.objects.filter(action="registry.resident.revealed", actor=world.carol,
                                     target_id=str(alice.pk)).count() == 1


def test_gina_may_not_reveal_by_page(world, login):
    client = login(world.gina)
    alice = world.residents["alice_r"]
    assert client.post(f"/registry/households/{world.h1.pk}/").status_code == 403
    assert client.post(f"/registry/residents/{alice.pk}/").status_code == 403
    assert client.post(f"/registry/households/{world.h2.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="registry.resident.revealed").exists()


def test_resident_page_and_reveal(world, login):
    from xingfuli.core import crypto

    alice = world.residents["alice_r"]
    client = login(world.carol)
    page = client.get(f"/registry/residents/{alice.pk}/").content.decode()
    assert alice.id_number_masked in page and "Edit" in page
    page = client.post(f"/registry/residents/{alice.pk}/", {"reason": "visit"}).content.decode()
    assert crypto.decrypt(alice.id_number_encrypted) in page
    entry = AuditEntry.objects.get(action="registry.resident.revealed")
    assert entry.data["reason"] == "visit"
    assert f"/registry/privacy/{alice.pk}/" in page
    assert login(world.gina).get(
        f"/registry/residents/{world.residents['bob_r'].pk}/").status_code == 404
    assert login(world.oscar).get(f"/registry/residents/{alice.pk}/").status_code == 404


def form_data(**extra):
    data = {"name": "王五", "id_number": make_id_number(dt.date(1950, 6, 1)),
            "mobile": "138 0013 8000", "relation": "spouse", "residence_type": "registered",
            "tags": ["aged_80"], "note": ""}
    data.update(extra)
    return data


def test_resident_new_page_creates_and_shows_errors_on_fields(world, login):
    client = login(world.gina)
    url = f"/registry/households/{world.h1.pk}/residents/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(id_number="500113195006010011"))
    assert response.status_code == 200
    assert "check character is wrong" in response.content.decode()
    assert not Resident.objects.filter(name="王五").exists()
    response = client.post(url, form_data())
    assert response.status_code == 302
    created = Resident.objects.get(name="王五")
    assert created.mobile_masked == "138****8000" and created.birth_date == dt.date(1950, 6, 1)
    assert login(world.alice).get(url).status_code == 403
    assert login(world.greg).get(url).status_code == 404


def test_resident_edit_version_conflict(world, login):
    alice = world.residents["alice_r"]
    client = login(world.gina)
    url = f"/registry/residents/{alice.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="version"' in page and alice.id_number_masked in page
    data = form_data(name="张爱丽", id_number="", mobile="", relation="head", status="active",
                     tags=["aged_80"], version="1")
    assert client.post(url, data).status_code == 302
    alice.refresh_from_db()
    assert alice.version == 2 and [t.code for t in alice.tags.all()] == ["aged_80"]
    assert alice.mobile_masked  # blank keeps the number on file
    response = client.post(url, {**data, "note": "stale", "version": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this resident first" in page
    alice.refresh_from_db()
    assert alice.note == "" and alice.version == 2
    response = client.post(url, {**data, "status": "moved_out", "version": "2"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.status == "moved_out"


def test_search_page_and_htmx_partial(world, login, django_assert_num_queries):
    client = login(world.carol)
    page = client.get("/registry/search/?q=zal").content.decode()
    assert "张爱丽" in page and "<h1>" in page
    partial = client.get("/registry/search/?q=zal", HTTP_HX_REQUEST="true").content.decode()
    assert "张爱丽" in partial and "<h1>" not in partial and 'id="results"' in partial
    with django_assert_num_queries(7) as ctx:
        client.get("/registry/search/?q=zh", HTTP_HX_REQUEST="true")
    for i in range(5):
        make_resident(world.h2, f"张{i}", relation=Resident.Relation.CHILD, tags=["dibao"])
    with django_assert_num_queries(len(ctx.captured_queries)):
        partial = client.get("/registry/search/?q=zh", HTTP_HX_REQUEST="true").content.decode()
    assert partial.count('class="card"') == 6


def test_search_page_is_scoped(world, login):
    page = login(world.gina).get("/registry/search/?q=李博").content.decode()
    assert "0 residents found" in page and "李博" not in page.split('id="results"')[1]
